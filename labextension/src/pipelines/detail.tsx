/** One pipeline run: its outcome, error and failing cell, parameters, the executed cells, Open notebook. */
import React, { useState } from 'react';

import { getPipelineRun } from '../client';
import type { PipelineCell, PipelineRunDetail } from '../client';
import { DetailHeader, ErrorText, KeyValueTable, errorText, useLoad } from '../datasets/common';
import { formatDuration, formatTime, shortId } from '../format';
import { FAST_MS } from '../polling';
import type { ITabContext } from '../tab';
import { errorLine, formatParameter } from './format';
import { openExecutedNotebook } from './open';
import { PipelineStatus } from './schedules';

function Facts(props: { run: PipelineRunDetail; now: number }): React.ReactElement {
  const { run } = props;
  const rows: Array<[string, string]> = [
    ['Pipeline run', run.pipeline_run_id],
    ['Status', run.status],
    ['Notebook', run.notebook],
    ['Schedule', run.schedule ?? ''],
    ['Trigger', `${run.trigger}${run.attempt > 1 ? `, attempt ${run.attempt}` : ''}`],
    ['Executor', run.executor ?? ''],
    ['Queued', formatTime(run.queued_at)],
    ['Started', formatTime(run.started_at)],
    ['Ended', formatTime(run.ended_at)],
    ['Duration', run.started_at ? formatDuration(run.started_at, run.ended_at, props.now) : '']
  ];
  return <KeyValueTable rows={rows.filter(([, value]) => value !== '')} testid="mlops-pipeline-run-facts" />;
}

function CellsTable(props: { cells: PipelineCell[] }): React.ReactElement {
  return (
    <div className="mlops-table-scroll">
      <table className="mlops-table mlops-pipeline-cells" data-testid="mlops-pipeline-cells">
        <thead>
          <tr>
            <th className="mlops-num" title="The cell's position in the notebook (0-based), as the error counts it">
              Cell
            </th>
            <th>Kind</th>
            <th className="mlops-num" title="Execution count, as Lab shows it: In [n]">
              In
            </th>
            <th>First line</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {props.cells.map(cell => {
            const failed = cell.state === 'error';
            return (
              <tr
                key={cell.index}
                className={failed ? 'mlops-pipeline-failed' : cell.state === 'not run' ? 'mlops-pipeline-not-run' : ''}
                data-testid="mlops-pipeline-cell"
                data-index={cell.input_index ?? ''}
                data-state={cell.state}
              >
                <td className="mlops-num">{cell.input_index ?? ''}</td>
                <td>{cell.injected ? 'parameters (injected)' : cell.kind}</td>
                <td className="mlops-num">{cell.execution_count === null ? '' : `[${cell.execution_count}]`}</td>
                <td className="mlops-pipeline-source" title={cell.first_line}>
                  {cell.first_line}
                </td>
                <td className={failed ? 'mlops-pipeline-error' : ''} data-testid={failed ? 'mlops-pipeline-cell-error' : undefined}>
                  {cell.state}
                  {cell.error ? `: ${cell.error}` : ''}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function PipelineRunView(props: {
  runId: string;
  context: ITabContext;
  backLabel: string;
  onBack(): void;
}): React.ReactElement {
  const { context } = props;
  const [notice, setNotice] = useState<string | null>(null);
  const [opening, setOpening] = useState(false);
  const { data: run, error } = useLoad<PipelineRunDetail>(
    () => getPipelineRun(props.runId),
    context,
    [props.runId],
    answer => (answer.status === 'queued' || answer.status === 'running' ? FAST_MS : null),
    null
  );
  const now = Date.now();
  const failure = run ? errorLine(run) : '';
  const parameters = run ? Object.keys(run.parameters).sort() : [];

  const open = async () => {
    if (!run) {
      return;
    }
    setOpening(true);
    setNotice(null);
    try {
      const path = await openExecutedNotebook(context.app, run);
      setNotice(`Opened ${path}`);
    } catch (reason) {
      setNotice(`Cannot open the executed notebook: ${errorText(reason)}`);
    } finally {
      setOpening(false);
    }
  };

  return (
    <div className="mlops-detail mlops-pipeline-run" data-testid="mlops-pipeline-run-detail" data-run-id={props.runId}>
      <DetailHeader
        backLabel={props.backLabel}
        onBack={props.onBack}
        title={run ? `${run.name} · ${shortId(run.pipeline_run_id)}` : shortId(props.runId)}
      />
      <ErrorText error={error} />
      {!run && !error && <div className="mlops-loading">Loading the pipeline run…</div>}
      {run && (
        <>
          <div className="mlops-notebook">
            <PipelineStatus status={run.status} />
            <button
              type="button"
              className="mlops-button"
              data-testid="mlops-open-executed-notebook"
              disabled={!run.has_output || opening}
              title={run.has_output ? `Save as ${run.output_path} and open it` : 'No executed notebook was stored'}
              onClick={() => void open()}
            >
              Open notebook
            </button>
            {run.output_path && (
              <span className="mlops-path" title={run.output_path}>
                {run.output_path}
              </span>
            )}
          </div>
          {notice && (
            <div className="mlops-notice" data-testid="mlops-open-notebook-notice" role="status">
              {notice}
            </div>
          )}
          {failure && (
            <pre className="mlops-run-error" data-testid="mlops-pipeline-run-error" data-failed-cell={run.failed_cell ?? ''}>
              {failure}
            </pre>
          )}
          {run.warnings.map((warning, i) => (
            <div key={i} className="mlops-notice" data-testid="mlops-pipeline-run-warning">
              {`warning: ${warning}`}
            </div>
          ))}
          <Facts run={run} now={now} />

          <h4 className="mlops-section">Parameters</h4>
          {parameters.length === 0 ? (
            <div className="mlops-hint">No parameters: the notebook ran with its own defaults.</div>
          ) : (
            <KeyValueTable
              rows={parameters.map(key => [key, formatParameter(run.parameters[key])] as [string, string])}
              testid="mlops-pipeline-run-parameters"
            />
          )}

          <h4 className="mlops-section">Cells</h4>
          {run.cells.length === 0 ? (
            <div className="mlops-hint">
              {run.has_output ? 'The executed notebook has no cells.' : 'No executed notebook was stored for this run.'}
            </div>
          ) : (
            <CellsTable cells={run.cells} />
          )}
        </>
      )}
    </div>
  );
}
