/** Several runs side by side: params (differences marked), latest metrics, overlaid curves. */
import React, { useState } from 'react';

import { LineChart, seriesColor } from '../charts';
import { ServerExtensionMissing, compareRuns } from '../client';
import type { CompareRunsResponse, MetricValue, RunDetail } from '../client';
import { formatMetric, toNumber } from '../format';
import { FAST_MS, usePolling } from '../polling';
import type { ITabContext } from '../tab';
import { BackButton, errorText } from './common';

/** The server compares 2 to 20 runs. */
export const MAX_COMPARE = 20;

const MISSING = '—';

function sortedKeys(runs: RunDetail[], pick: (run: RunDetail) => Record<string, unknown>): string[] {
  const keys = new Set<string>();
  runs.forEach(run => Object.keys(pick(run)).forEach(key => keys.add(key)));
  return [...keys].sort();
}

function differs(values: Array<string | undefined>): boolean {
  return new Set(values.map(v => (v === undefined ? '\u0000missing' : v))).size > 1;
}

function RunHeaders(props: { runs: RunDetail[]; first: string }): React.ReactElement {
  return (
    <thead>
      <tr>
        <th>{props.first}</th>
        {props.runs.map((run, i) => (
          <th key={run.run_id} title={run.run_id}>
            <span className="mlops-swatch" style={{ background: seriesColor(i) }} />
            {run.run_name}
          </th>
        ))}
      </tr>
    </thead>
  );
}

function Cell(props: { value: string | undefined }): React.ReactElement {
  return props.value === undefined ? <td className="mlops-missing">{MISSING}</td> : <td>{props.value}</td>;
}

export interface ICompareProps {
  runIds: string[];
  context: ITabContext;
  onBack(): void;
  onOpenRun(runId: string): void;
}

export function CompareView(props: ICompareProps): React.ReactElement {
  const { context } = props;
  const [data, setData] = useState<CompareRunsResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [onlyDiff, setOnlyDiff] = useState(false);

  usePolling(
    async isCurrent => {
      try {
        const answer = await compareRuns(props.runIds);
        if (!isCurrent()) {
          return null;
        }
        setData(answer);
        setError(null);
        return answer.runs.some(run => run.status === 'running') ? FAST_MS : null;
      } catch (reason) {
        if (!isCurrent()) {
          return null;
        }
        if (reason instanceof ServerExtensionMissing) {
          context.reportError(reason);
        } else {
          setError(errorText(reason));
        }
        return null;
      }
    },
    context.visible,
    [props.runIds.join('\n'), context.refreshToken]
  );

  const runs = data?.runs ?? [];
  const paramKeys = sortedKeys(runs, run => run.params);
  const metricKeys = sortedKeys(runs, run => run.metrics);
  const curves = data?.curves ?? {};
  const chartKeys = [...new Set([...metricKeys, ...Object.values(curves).flatMap(c => Object.keys(c))])].sort();

  return (
    <div className="mlops-compare" data-testid="mlops-compare-view">
      <div className="mlops-detail-header">
        <BackButton onBack={props.onBack} />
        <h3 className="mlops-detail-title">{`Comparing ${props.runIds.length} runs`}</h3>
      </div>
      {error && (
        <div className="mlops-error-text" role="alert">
          {error}
        </div>
      )}
      {!data && !error && <div className="mlops-loading">Loading runs…</div>}
      {data && (
        <>
          <div className="mlops-legend">
            {runs.map((run, i) => (
              <button
                type="button"
                key={run.run_id}
                className="mlops-legend-item mlops-link"
                title={`Open ${run.run_name} (${run.run_id})`}
                onClick={() => props.onOpenRun(run.run_id)}
              >
                <span className="mlops-swatch" style={{ background: seriesColor(i) }} />
                {run.run_name}
              </button>
            ))}
          </div>
          <label className="mlops-check-label">
            <input
              type="checkbox"
              data-testid="mlops-compare-diff-only"
              checked={onlyDiff}
              onChange={event => setOnlyDiff(event.target.checked)}
            />
            Only rows that differ
          </label>

          <h4 className="mlops-section">Parameters</h4>
          {paramKeys.length === 0 ? (
            <div className="mlops-hint">None of these runs has parameters.</div>
          ) : (
            <div className="mlops-table-scroll">
              <table className="mlops-table mlops-compare-table" data-testid="mlops-compare-params">
                <RunHeaders runs={runs} first="Parameter" />
                <tbody>
                  {paramKeys.map(key => {
                    const values = runs.map(run => run.params[key]);
                    const diff = differs(values);
                    if (onlyDiff && !diff) {
                      return null;
                    }
                    return (
                      <tr
                        key={key}
                        data-testid="mlops-compare-param-row"
                        data-key={key}
                        className={diff ? 'mlops-diff' : undefined}
                      >
                        <th scope="row">{key}</th>
                        {values.map((value, i) => (
                          <Cell key={i} value={value} />
                        ))}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}

          <h4 className="mlops-section">Metrics (latest)</h4>
          {metricKeys.length === 0 ? (
            <div className="mlops-hint">None of these runs has metrics.</div>
          ) : (
            <div className="mlops-table-scroll">
              <table className="mlops-table mlops-compare-table" data-testid="mlops-compare-metrics">
                <RunHeaders runs={runs} first="Metric" />
                <tbody>
                  {metricKeys.map(key => {
                    const values = runs.map(run =>
                      key in run.metrics ? formatMetric(run.metrics[key]) : undefined
                    );
                    const diff = differs(values);
                    if (onlyDiff && !diff) {
                      return null;
                    }
                    return (
                      <tr
                        key={key}
                        data-testid="mlops-compare-metric-row"
                        data-key={key}
                        className={diff ? 'mlops-diff' : undefined}
                      >
                        <th scope="row">{key}</th>
                        {values.map((value, i) => (
                          <Cell key={i} value={value} />
                        ))}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}

          {chartKeys.length > 0 && <h4 className="mlops-section">Curves</h4>}
          <div className="mlops-charts">
            {chartKeys.map(key => (
              <LineChart
                key={key}
                testid="mlops-compare-chart"
                title={key}
                legend={false}
                series={runs.map((run, i) => ({
                  label: run.run_name,
                  color: seriesColor(i),
                  points: (curves[run.run_id]?.[key] ?? []).map(
                    (pair: MetricValue[]) => [toNumber(pair[0]), toNumber(pair[1])] as [number, number]
                  )
                }))}
              />
            ))}
          </div>
        </>
      )}
    </div>
  );
}
