/** One run: facts, params, metrics with a chart each, tags, environment, artifacts; opens its notebook. */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import React, { useState } from 'react';

import { LineChart, seriesColor } from '../charts';
import { getMetricHistory, getRun } from '../client';
import type { MetricPoint, RunDetail } from '../client';
import { formatCount, formatDuration, formatMetric, formatTime, toNumber } from '../format';
import { notebookCandidates } from '../paths';
import { FAST_MS, usePolling } from '../polling';
import type { ITabContext } from '../tab';
import { BackButton, KeyValueTable, errorText, showLoadError } from './common';

/** Charts drawn at most per run (one request each). */
export const MAX_CHARTS = 24;

/** Open a recorded notebook path in JupyterLab; a message when that is not possible. */
export async function openNotebook(app: JupyterFrontEnd, recorded: string): Promise<string | null> {
  const root = PageConfig.getOption('serverRoot');
  const candidates = notebookCandidates(recorded, root);
  if (candidates.length === 0) {
    return `Cannot open ${recorded}: it is outside the folder this Jupyter server serves (${root || 'unknown'}).`;
  }
  if (!app.commands.hasCommand('docmanager:open')) {
    return 'Cannot open notebooks here: the document manager is not available.';
  }
  for (const path of candidates) {
    try {
      await app.serviceManager.contents.get(path, { content: false });
    } catch {
      continue;
    }
    await app.commands.execute('docmanager:open', { path });
    return null;
  }
  return `Cannot open ${recorded}: no such file under the server root (it may have been moved or deleted).`;
}

function Facts(props: { run: RunDetail; now: number }): React.ReactElement {
  const { run } = props;
  const rows: Array<[string, string]> = [
    ['Run id', run.run_id],
    ['Experiment', run.experiment],
    ['Status', run.status + (run.deleted ? ' (deleted)' : '')],
    ['Started', formatTime(run.start_time)],
    ['Ended', formatTime(run.end_time)],
    ['Duration', run.end_time || run.status === 'running' ? formatDuration(run.start_time, run.end_time, props.now) : ''],
    ['User', run.user ?? ''],
    ['Host', run.host ?? ''],
    ['Parent run', run.parent_run_id ?? '']
  ];
  return <KeyValueTable rows={rows.filter(([, value]) => value !== '')} testid="mlops-run-facts" />;
}

function environmentRows(run: RunDetail): Array<[string, string]> {
  const env = run.environment;
  const git = env.git_commit
    ? `${env.git_commit.slice(0, 12)}${env.git_branch ? ` (${env.git_branch})` : ''}${env.git_dirty ? ', uncommitted changes' : ''}`
    : '';
  const rows: Array<[string, string]> = [
    ['Python', env.python ?? ''],
    ['Git commit', git],
    ['Source', env.source_type ?? ''],
    ['Notebook', env.notebook ?? ''],
    ['Script', env.script ?? '']
  ];
  return rows.filter(([, value]) => value !== '');
}

function hasEnvironment(run: RunDetail): boolean {
  return environmentRows(run).length > 0;
}

function Environment(props: { run: RunDetail }): React.ReactElement | null {
  const rows = environmentRows(props.run);
  return rows.length ? <KeyValueTable rows={rows} testid="mlops-run-environment" /> : null;
}

export interface IRunDetailProps {
  runId: string;
  context: ITabContext;
  onBack(): void;
}

export function RunDetailView(props: IRunDetailProps): React.ReactElement {
  const { context } = props;
  const [run, setRun] = useState<RunDetail | null>(null);
  const [histories, setHistories] = useState<Record<string, MetricPoint[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());

  usePolling(
    async isCurrent => {
      try {
        const detail = await getRun(props.runId);
        const keys = Object.keys(detail.metrics).sort().slice(0, MAX_CHARTS);
        const answers = await Promise.all(
          keys.map(key => getMetricHistory(detail.run_id, key).catch(() => null))
        );
        if (!isCurrent()) {
          return null;
        }
        const next: Record<string, MetricPoint[]> = {};
        answers.forEach((answer, i) => {
          if (answer) {
            next[keys[i]] = answer.points;
          }
        });
        setRun(detail);
        setHistories(next);
        setError(null);
        setNow(Date.now());
        return detail.status === 'running' ? FAST_MS : null;
      } catch (reason) {
        if (!isCurrent()) {
          return null;
        }
        showLoadError(reason, context, setError);
        return null;
      }
    },
    context.visible,
    [props.runId, context.refreshToken]
  );

  const notebook = run?.environment.notebook ?? null;
  const metricKeys = run ? Object.keys(run.metrics).sort() : [];
  const userTags = run ? Object.entries(run.tags).filter(([key]) => !key.startsWith('mlops.')) : [];
  const systemTags = run ? Object.entries(run.tags).filter(([key]) => key.startsWith('mlops.')) : [];

  return (
    <div className="mlops-detail" data-testid="mlops-run-detail" data-run-id={props.runId}>
      <div className="mlops-detail-header">
        <BackButton onBack={props.onBack} />
        <h3 className="mlops-detail-title" title={run ? run.run_id : props.runId}>
          {run ? run.run_name : props.runId}
        </h3>
        {run && <span className={`mlops-status mlops-status-${run.status}`}>{run.status}</span>}
      </div>
      {error && (
        <div className="mlops-error-text" role="alert">
          {error}
        </div>
      )}
      {!run && !error && <div className="mlops-loading">Loading run…</div>}
      {run && (
        <>
          {notebook && (
            <div className="mlops-notebook">
              <button
                type="button"
                className="mlops-button"
                data-testid="mlops-open-notebook"
                title={notebook}
                onClick={async () => {
                  setNotice(null);
                  try {
                    setNotice(await openNotebook(context.app, notebook));
                  } catch (reason) {
                    setNotice(`Cannot open ${notebook}: ${errorText(reason)}`);
                  }
                }}
              >
                Open notebook
              </button>
              <span className="mlops-path" title={notebook}>
                {notebook}
              </span>
            </div>
          )}
          {notice && (
            <div className="mlops-notice" data-testid="mlops-open-notebook-error" role="status">
              {notice}
            </div>
          )}
          {run.error && <pre className="mlops-run-error">{run.error}</pre>}
          <Facts run={run} now={now} />

          <h4 className="mlops-section">Metrics</h4>
          {metricKeys.length === 0 ? (
            <div className="mlops-hint">No metrics logged yet.</div>
          ) : (
            <>
              <KeyValueTable
                rows={metricKeys.map(key => [key, formatMetric(run.metrics[key])] as [string, string])}
                testid="mlops-run-metrics"
              />
              <div className="mlops-charts">
                {metricKeys.slice(0, MAX_CHARTS).map(key => (
                  <LineChart
                    key={key}
                    testid="mlops-metric-chart"
                    title={key}
                    series={[
                      {
                        label: run.run_name,
                        color: seriesColor(0),
                        points: (histories[key] ?? []).map(p => [p.step, toNumber(p.value)] as [number, number])
                      }
                    ]}
                  />
                ))}
              </div>
            </>
          )}

          <h4 className="mlops-section">Parameters</h4>
          {Object.keys(run.params).length === 0 ? (
            <div className="mlops-hint">No parameters.</div>
          ) : (
            <KeyValueTable
              rows={Object.entries(run.params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))}
              testid="mlops-run-params"
            />
          )}

          {userTags.length > 0 && (
            <>
              <h4 className="mlops-section">Tags</h4>
              <KeyValueTable rows={userTags} testid="mlops-run-tags" />
            </>
          )}

          <h4 className="mlops-section">Environment</h4>
          <Environment run={run} />
          {!hasEnvironment(run) && <div className="mlops-hint">Not recorded for this run.</div>}

          {run.artifacts.length > 0 && (
            <>
              <h4 className="mlops-section">Artifacts</h4>
              <KeyValueTable
                rows={run.artifacts.map(a => [a.path, `${formatCount(a.size)} bytes`] as [string, string])}
                testid="mlops-run-artifacts"
              />
            </>
          )}

          {systemTags.length > 0 && (
            <details className="mlops-system-tags">
              <summary>System tags ({systemTags.length})</summary>
              <KeyValueTable rows={systemTags} testid="mlops-run-system-tags" />
            </details>
          )}
        </>
      )}
    </div>
  );
}
