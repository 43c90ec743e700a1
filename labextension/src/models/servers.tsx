/**
 * "Running servers" in the Models tab: each model server running on this store (all of them on
 * the model list, one model's on its detail), with its address, traffic split, per-version
 * requests, error rate, latency p50/p99 and quality, and the control that shifts its traffic.
 * Refreshes every 3 s while shown (the servers' heartbeats come every couple of seconds).
 */
import React, { useState } from 'react';

import { changeServerTraffic, listServers } from '../client';
import type { ModelServer, ServingVersionStats, TrafficShift, TrafficSplit } from '../client';
import { ActionFeedback, ErrorText, errorText, useLoad } from '../datasets/common';
import { formatCount, formatMetric, formatShortTime, formatTime, shortId } from '../format';
import { beatAge } from '../pipelines/heartbeat';
import type { ITabContext } from '../tab';
import { TrafficBar, TrafficControl, confirmShift, describeSplit, percent } from './traffic';
import type { IShift } from './traffic';

/** How often the section reloads while shown. */
export const SERVERS_MS = 3000;
/** How long a shift's answer is shown before a heartbeat must confirm it. */
const PENDING_MS = 10000;

interface IPendingShift {
  traffic: TrafficSplit;
  until: number;
}

function sameSplit(a: TrafficSplit | null | undefined, b: TrafficSplit | null | undefined): boolean {
  return !!a && !!b && a.mode === b.mode && Math.abs(a.challenger_share - b.challenger_share) < 1e-9;
}

/** A link only for an http(s) address; anything else stays plain text. */
function Address(props: { url: string }): React.ReactElement {
  const { url } = props;
  if (!/^https?:\/\/[^\s]+$/i.test(url)) {
    return (
      <span className="mlops-server-url" data-testid="mlops-server-url">
        {url}
      </span>
    );
  }
  return (
    <a
      className="mlops-server-url"
      data-testid="mlops-server-url"
      href={`${url}/openapi.json`}
      target="_blank"
      rel="noopener noreferrer"
      title={`${url}: POST /predict, /feedback; GET /health, /stats (opens its OpenAPI description)`}
    >
      {url}
    </a>
  );
}

function ms(value: number | null): string {
  return value === null ? '—' : `${formatMetric(value)} ms`;
}

function StatRow(props: { row: ServingVersionStats }): React.ReactElement {
  const { row } = props;
  const rate = row.error_rate ?? 0;
  return (
    <tr
      className={`mlops-server-stat-row${row.current ? '' : ' mlops-server-stat-earlier'}`}
      data-testid="mlops-server-stat-row"
      data-side={row.side}
      data-version={row.version}
      data-current={row.current ? 'true' : 'false'}
      data-requests={row.requests}
    >
      <td className="mlops-nowrap">
        <span className={`mlops-traffic-key mlops-traffic-key-${row.side}`}>{row.side}</span>
        {!row.current && <span className="mlops-hint"> (earlier)</span>}
      </td>
      <td className="mlops-nowrap">{`${row.model}/${row.version}`}</td>
      <td className="mlops-num" data-testid="mlops-server-requests">
        {formatCount(row.requests)}
      </td>
      <td className={`mlops-num${row.errors ? ' mlops-fail' : ''}`} title={`${formatCount(row.errors)} errors`}>
        {row.requests ? percent(rate) : '—'}
      </td>
      <td className="mlops-num">{ms(row.latency_p50_ms)}</td>
      <td className="mlops-num">{ms(row.latency_p99_ms)}</td>
      <td className="mlops-nowrap" data-testid="mlops-server-quality">
        {row.quality === null ? (
          <span className="mlops-missing">no labels yet</span>
        ) : (
          `${row.quality_metric ?? 'quality'} ${formatMetric(row.quality)} (${formatCount(row.labelled)} labels)`
        )}
      </td>
    </tr>
  );
}

/** Per-version rows; a side that has answered nothing yet gets an empty row. */
function StatsTable(props: { server: ModelServer }): React.ReactElement {
  const { server } = props;
  const rows = [...server.stats];
  for (const side of ['champion', 'challenger'] as const) {
    const predictor = server.predictors[side];
    if (predictor && !rows.some(r => r.side === side && r.current)) {
      rows.push({
        side,
        model: predictor.model,
        version: predictor.version,
        requests: 0,
        rows: 0,
        errors: 0,
        error_rate: null,
        latency_p50_ms: null,
        latency_p99_ms: null,
        labelled: 0,
        quality_metric: null,
        quality: null,
        current: true
      });
    }
  }
  const order = (side: string) => (side === 'champion' ? 0 : 1);
  rows.sort((a, b) => Number(b.current) - Number(a.current) || order(a.side) - order(b.side) || b.version - a.version);
  return (
    <div className="mlops-table-scroll">
      <table className="mlops-table mlops-server-stats" data-testid="mlops-server-stats">
        <thead>
          <tr>
            <th>Side</th>
            <th>Version</th>
            <th className="mlops-num">Requests</th>
            <th className="mlops-num">Errors</th>
            <th className="mlops-num">p50</th>
            <th className="mlops-num">p99</th>
            <th>Quality</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(row => (
            <StatRow key={`${row.side}-${row.version}-${row.model}`} row={row} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The latest traffic shifts, newest first, each with who moved it and why. */
function Shifts(props: { shifts: TrafficShift[]; now: number }): React.ReactElement | null {
  const shifts = [...props.shifts].reverse().slice(0, 3);
  if (shifts.length === 0) {
    return null;
  }
  return (
    <ul className="mlops-server-shifts" data-testid="mlops-server-shifts">
      {shifts.map((shift, i) => (
        <li key={`${shift.at}-${i}`} data-testid="mlops-server-shift" data-by={shift.by ?? ''}>
          <span className="mlops-hint" title={formatTime(shift.at)}>
            {`${formatShortTime(shift.at, props.now)} ${shift.by ?? ''}: `}
          </span>
          {`${describeSplit(shift.from)} → ${describeSplit(shift.to)}`}
          {shift.reason && (
            <span className="mlops-server-shift-reason" data-testid="mlops-server-shift-reason">
              {shift.reason}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

function ServerCard(props: {
  server: ModelServer;
  traffic: TrafficSplit | null;
  showModel: boolean;
  busy: boolean;
  now: number;
  onShift(shift: IShift): void;
}): React.ReactElement {
  const { server, traffic } = props;
  const where = [server.machine, server.pid !== null ? `pid ${server.pid}` : ''].filter(Boolean).join(', ');
  return (
    <div
      className="mlops-server"
      data-testid="mlops-server"
      data-server-id={server.server_id}
      data-model-name={server.model}
      data-mode={traffic?.mode ?? server.mode}
    >
      <div className="mlops-server-head">
        <span className="mlops-server-dot" aria-hidden="true" />
        {props.showModel && <span className="mlops-run-name mlops-server-model">{server.model}</span>}
        <Address url={server.url} />
        <span className="mlops-badge" data-testid="mlops-server-mode">
          {traffic?.mode ?? server.mode}
        </span>
        {server.auth && (
          <span className="mlops-badge mlops-badge-warn" title="Predictions need the server's bearer token">
            token
          </span>
        )}
        <span className="mlops-hint mlops-server-meta" title={`${server.server_id}${where ? ` on ${where}` : ''}`}>
          {`${shortId(server.server_id.replace(/^srv-/, ''))} · started ${formatShortTime(server.started_at, props.now)}` +
            ` · last beat ${beatAge(server.seconds_since_beat)}`}
        </span>
      </div>
      {traffic && <TrafficBar server={server} traffic={traffic} />}
      <StatsTable server={server} />
      {traffic && server.challenger && (
        <TrafficControl
          key={`${traffic.mode}:${traffic.challenger_share}`}
          traffic={traffic}
          busy={props.busy}
          onShift={props.onShift}
        />
      )}
      {!server.challenger && (
        <div className="mlops-hint">
          Champion only. To run a challenger beside it, serve with <code>--challenger challenger</code>.
        </div>
      )}
      <Shifts shifts={server.shifts} now={props.now} />
      {server.last_error && (
        <div className="mlops-error-text" data-testid="mlops-server-error">
          {server.last_error}
        </div>
      )}
    </div>
  );
}

/** No server runs: how to start one, in one line. */
function ServersHint(props: { model?: string }): React.ReactElement {
  const name = props.model ?? '<model>';
  return (
    <div className="mlops-hint" data-testid="mlops-servers-empty">
      {`No model server is running${props.model ? ` for ${props.model}` : ''}. Start one with `}
      <code>{`jupyter-mlops serve ${name}`}</code> or <code>{`%mlops serve ${name}`}</code>.
    </div>
  );
}

export function RunningServers(props: { context: ITabContext; model?: string }): React.ReactElement {
  const { context, model } = props;
  const [serial, setSerial] = useState(0);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [pending, setPending] = useState<Record<string, IPendingShift>>({});
  const { data, error } = useLoad(
    () => listServers(model ? { model } : {}),
    context,
    [model ?? '', serial],
    () => SERVERS_MS,
    SERVERS_MS
  );
  const now = Date.now();
  const servers = data?.servers ?? [];

  // A shift's answer shows at once; the heartbeat that carries it replaces it within seconds.
  const trafficOf = (server: ModelServer): TrafficSplit | null => {
    const shift = pending[server.server_id];
    if (shift && shift.until > now && !sameSplit(shift.traffic, server.traffic)) {
      return shift.traffic;
    }
    return server.traffic;
  };

  const shiftTraffic = async (server: ModelServer, shift: IShift) => {
    const from = trafficOf(server);
    const reason = await confirmShift(
      `Shift traffic of ${server.model}`,
      `${server.url}: from ${describeSplit(from)} to ${describeSplit(shift.target)}. ` +
        'Requests in flight finish where they started.',
      shift.accept
    );
    if (reason === null) {
      return;
    }
    setBusy(server.server_id);
    setNotice(null);
    setActionError(null);
    try {
      const answer = await changeServerTraffic(server.server_id, { ...shift.change, reason: reason || null });
      setPending(p => ({ ...p, [server.server_id]: { traffic: answer.traffic, until: Date.now() + PENDING_MS } }));
      setNotice(answer.message);
    } catch (reason) {
      setActionError(errorText(reason));
    } finally {
      setBusy(null);
      setSerial(n => n + 1);
    }
  };

  return (
    <div className="mlops-servers" data-testid="mlops-servers" data-model-name={model ?? ''}>
      <h4 className="mlops-section">Running servers</h4>
      <ErrorText error={error} />
      <ActionFeedback error={actionError} notice={notice} testid="mlops-traffic" />
      {!data && !error && <div className="mlops-loading">Looking for model servers…</div>}
      {data && servers.length === 0 && <ServersHint model={model} />}
      {servers.map(server => (
        <ServerCard
          key={server.server_id}
          server={server}
          traffic={trafficOf(server)}
          showModel={!model}
          busy={busy === server.server_id}
          now={now}
          onShift={shift => void shiftTraffic(server, shift)}
        />
      ))}
    </div>
  );
}
