/** Several runs side by side: params (differences marked), latest metrics, overlaid curves. */
import React, { useState } from 'react';

import { LineChart, seriesColor } from '../charts';
import { compareRuns } from '../client';
import type { CompareRunsResponse, MetricValue, RunDetail } from '../client';
import { formatMetric, toNumber } from '../format';
import { FAST_MS, usePolling } from '../polling';
import type { ITabContext } from '../tab';
import { BackButton, showLoadError } from './common';

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

/** One side-by-side table (params or metrics): a row per key, rows whose values differ marked. */
function CompareTable(props: {
  runs: RunDetail[];
  keys: string[];
  first: string;
  empty: string;
  tableTestId: string;
  rowTestId: string;
  onlyDiff: boolean;
  valueOf: (run: RunDetail, key: string) => string | undefined;
}): React.ReactElement {
  if (props.keys.length === 0) {
    return <div className="mlops-hint">{props.empty}</div>;
  }
  return (
    <div className="mlops-table-scroll">
      <table className="mlops-table mlops-compare-table" data-testid={props.tableTestId}>
        <RunHeaders runs={props.runs} first={props.first} />
        <tbody>
          {props.keys.map(key => {
            const values = props.runs.map(run => props.valueOf(run, key));
            const diff = differs(values);
            if (props.onlyDiff && !diff) {
              return null;
            }
            return (
              <tr key={key} data-testid={props.rowTestId} data-key={key} className={diff ? 'mlops-diff' : undefined}>
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
  );
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
        showLoadError(reason, context, setError);
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
          <CompareTable
            runs={runs}
            keys={paramKeys}
            first="Parameter"
            empty="None of these runs has parameters."
            tableTestId="mlops-compare-params"
            rowTestId="mlops-compare-param-row"
            onlyDiff={onlyDiff}
            valueOf={(run, key) => run.params[key]}
          />

          <h4 className="mlops-section">Metrics (latest)</h4>
          <CompareTable
            runs={runs}
            keys={metricKeys}
            first="Metric"
            empty="None of these runs has metrics."
            tableTestId="mlops-compare-metrics"
            rowTestId="mlops-compare-metric-row"
            onlyDiff={onlyDiff}
            valueOf={(run, key) => (key in run.metrics ? formatMetric(run.metrics[key]) : undefined)}
          />

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
