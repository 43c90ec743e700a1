/** The scheduler daemon's heartbeat: alive with its last beat, or not running and how to start it. */
import React from 'react';

import type { SchedulerStatus } from '../client';
import { formatSeconds, formatTime } from '../format';

/** "3 s ago", from the server's own measure (so a skewed browser clock does not matter). */
export function beatAge(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) {
    return '';
  }
  return seconds < 1 ? 'just now' : `${formatSeconds(seconds).replace(/\.\d s$/, ' s')} ago`;
}

export function SchedulerHeartbeat(props: { status: SchedulerStatus | null }): React.ReactElement {
  const { status } = props;
  if (status === null) {
    return (
      <div className="mlops-scheduler" data-testid="mlops-scheduler-status" data-alive="unknown">
        <span className="mlops-scheduler-dot" aria-hidden="true" />
        Checking the scheduler…
      </div>
    );
  }
  if (status.alive) {
    const where = [status.host, status.pid !== null ? `pid ${status.pid}` : ''].filter(Boolean).join(', ');
    return (
      <div
        className="mlops-scheduler mlops-scheduler-alive"
        data-testid="mlops-scheduler-status"
        data-alive="true"
        title={status.message}
      >
        <span className="mlops-scheduler-dot" aria-hidden="true" />
        <span className="mlops-scheduler-state">Scheduler running</span>
        {where && <span className="mlops-scheduler-where">{` on ${where}`}</span>}
        <span className="mlops-scheduler-beat" data-testid="mlops-scheduler-beat" title={formatTime(status.beat_at)}>
          {` · last beat ${beatAge(status.seconds_since_beat)}`}
        </span>
        {status.running > 0 && <span>{` · ${status.running} running`}</span>}
        {status.live_schedulers > 1 && (
          <span className="mlops-hint">{` · ${status.live_schedulers - 1} more on standby`}</span>
        )}
        {status.executor && <span className="mlops-hint">{` · ${status.executor} executor`}</span>}
      </div>
    );
  }
  return (
    <div
      className="mlops-scheduler mlops-scheduler-down"
      data-testid="mlops-scheduler-status"
      data-alive="false"
      role="status"
      title={status.message}
    >
      <span className="mlops-scheduler-dot" aria-hidden="true" />
      <span className="mlops-scheduler-state">Scheduler not running</span>
      {' — start it with '}
      <code className="mlops-scheduler-command" data-testid="mlops-scheduler-command">
        {status.start_command}
      </code>
      <div className="mlops-hint">
        {status.beat_at
          ? `Last heartbeat ${formatTime(status.beat_at)}${status.host ? ` from ${status.host}` : ''}. `
          : 'No scheduler has run on this store yet. '}
        Schedules fire and run-now requests are picked up only while one runs; it keeps working when JupyterLab is
        closed.
      </div>
    </div>
  );
}
