/** The schedules: triggers, next and last run, and the Run now / Pause / Resume actions. */
import React from 'react';

import type { PipelineSchedule } from '../client';
import { formatShortTime, formatTime, shortId } from '../format';
import { formatParameters } from './format';

export function PipelineStatus(props: { status: string | null | undefined }): React.ReactElement | null {
  if (!props.status) {
    return null;
  }
  return (
    <span className={`mlops-status mlops-status-${props.status}`} data-testid="mlops-pipeline-status">
      {props.status}
    </span>
  );
}

export interface IScheduleActions {
  busy: string | null;
  onRunNow(schedule: PipelineSchedule): void;
  onPause(schedule: PipelineSchedule): void;
  onResume(schedule: PipelineSchedule): void;
  onOpenRun(runId: string): void;
}

function ScheduleRow(props: { schedule: PipelineSchedule; now: number; actions: IScheduleActions }): React.ReactElement {
  const { schedule, actions } = props;
  const busy = actions.busy === schedule.name;
  const parameters = formatParameters(schedule.parameters);
  return (
    <tr
      className={`mlops-schedule-row${schedule.enabled ? '' : ' mlops-schedule-paused'}`}
      data-testid="mlops-schedule-row"
      data-schedule-name={schedule.name}
      data-enabled={schedule.enabled ? 'true' : 'false'}
    >
      <td className="mlops-schedule-name-cell" title={schedule.notebook}>
        <span className="mlops-run-name">{schedule.name}</span>
        <span className="mlops-schedule-notebook">{schedule.notebook.split(/[\\/]/).pop()}</span>
      </td>
      <td className="mlops-schedule-triggers" title={parameters ? `parameters: ${parameters}` : undefined}>
        {schedule.trigger_summary.split('; ').map(part => (
          <span key={part} className="mlops-schedule-trigger">
            {part}
          </span>
        ))}
      </td>
      <td className="mlops-nowrap" data-testid="mlops-schedule-next" title={formatTime(schedule.next_run)}>
        {schedule.enabled ? (
          formatShortTime(schedule.next_run, props.now) || <span className="mlops-missing">—</span>
        ) : (
          <span className="mlops-missing">paused</span>
        )}
      </td>
      <td className="mlops-nowrap" data-testid="mlops-schedule-last">
        {schedule.last_run_id ? (
          <a
            href="#"
            className="mlops-lineage-link"
            data-testid="mlops-schedule-last-run"
            data-run-id={schedule.last_run_id}
            title={`${formatTime(schedule.last_run_at)}: open pipeline run ${schedule.last_run_id}`}
            onClick={event => {
              event.preventDefault();
              actions.onOpenRun(schedule.last_run_id as string);
            }}
          >
            {formatShortTime(schedule.last_run_at, props.now) || shortId(schedule.last_run_id)}
          </a>
        ) : (
          <span className="mlops-missing">never</span>
        )}{' '}
        <PipelineStatus status={schedule.last_run_status} />
      </td>
      <td className="mlops-nowrap">
        <span
          className={`mlops-schedule-state mlops-schedule-state-${schedule.enabled ? 'active' : 'paused'}`}
          data-testid="mlops-schedule-state"
        >
          {schedule.enabled ? 'active' : 'paused'}
        </span>
        {schedule.pending_requests > 0 && (
          <span className="mlops-badge" data-testid="mlops-schedule-pending" title="Run-now requests waiting for the scheduler">
            {`${schedule.pending_requests} requested`}
          </span>
        )}
      </td>
      <td className="mlops-nowrap mlops-schedule-actions">
        <button
          type="button"
          className="mlops-button mlops-button-small"
          data-testid="mlops-schedule-run-now"
          disabled={busy}
          title={`Ask the scheduler to run ${schedule.name} now`}
          onClick={() => actions.onRunNow(schedule)}
        >
          Run now…
        </button>
        {schedule.enabled ? (
          <button
            type="button"
            className="mlops-button mlops-button-small"
            data-testid="mlops-schedule-pause"
            disabled={busy}
            title="Stop firing until resumed; runs in progress continue"
            onClick={() => actions.onPause(schedule)}
          >
            Pause…
          </button>
        ) : (
          <button
            type="button"
            className="mlops-button mlops-button-small"
            data-testid="mlops-schedule-resume"
            disabled={busy}
            title="Fire again on the schedule's triggers"
            onClick={() => actions.onResume(schedule)}
          >
            Resume
          </button>
        )}
      </td>
    </tr>
  );
}

export function SchedulesTable(props: {
  schedules: PipelineSchedule[];
  now: number;
  actions: IScheduleActions;
}): React.ReactElement {
  return (
    <div className="mlops-table-scroll">
      <table className="mlops-table" data-testid="mlops-schedules-table">
        <thead>
          <tr>
            <th>Schedule</th>
            <th>Triggers</th>
            <th>Next run</th>
            <th>Last run</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.schedules.map(schedule => (
            <ScheduleRow key={schedule.name} schedule={schedule} now={props.now} actions={props.actions} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** No schedules yet: the first step, as text to copy into a notebook. */
export function SchedulesEmpty(): React.ReactElement {
  return (
    <div className="mlops-message mlops-empty" data-testid="mlops-schedules-empty">
      <h3>No schedules yet</h3>
      <p>Run a parameterized notebook on a cron expression, on new data or on drift:</p>
      <pre className="mlops-code">
        {'import jupyter_mlops as ml\nml.schedule("nightly", "retrain.ipynb", cron="0 3 * * *",\n            parameters={"dataset": "churn"})'}
      </pre>
      <p>
        or <code>%mlops schedule add nightly retrain.ipynb --cron "0 3 * * *"</code>. Run a notebook once with{' '}
        <code>%mlops pipeline run retrain.ipynb -p alpha=0.1</code>.
      </p>
    </div>
  );
}
