/**
 * One model: its aliases (with roll back), its versions (with promote), the alias timeline
 * (who, when, from → to, why), its evaluations and its promotion decisions. Alias moves go
 * through the authenticated, XSRF-protected REST actions after a confirmation dialog.
 */
import React, { useState } from 'react';

import {
  getModelAliasHistory,
  listModelEvaluations,
  listModelVersions,
  rollbackModelAlias,
  setModelAlias
} from '../client';
import type {
  AliasChange,
  AliasHistoryResponse,
  MetricValue,
  ModelEvaluation,
  ModelVersion,
  PromotionDecision
} from '../client';
import { ActionFeedback, DetailHeader, ErrorText, errorText, useLoad, versionCount } from '../datasets/common';
import { formatCount, formatMetric, formatShortTime, formatTime, shortId } from '../format';
import { SLOW_MS } from '../polling';
import type { ITabContext } from '../tab';
import { ALIAS_PATTERN, confirmAliasMove } from './confirm';
import { AliasChips } from './list';
import { RunningServers } from './servers';

/** The alias a promote proposes first. */
export const DEFAULT_ALIAS = 'champion';

interface IModelData {
  versions: ModelVersion[];
  history: AliasHistoryResponse;
  evaluations: ModelEvaluation[];
  decisions: PromotionDecision[];
}

/** The versions still in effect for one alias: moves push, rollbacks pop (as the server does). */
export function aliasStack(history: AliasChange[], alias: string): number[] {
  const stack: number[] = [];
  for (const change of history) {
    if (change.alias !== alias) {
      continue;
    }
    if (change.action === 'rollback') {
      stack.pop();
    } else {
      stack.push(change.to_version);
    }
  }
  return stack;
}

function MetricsText(props: { metrics: Record<string, MetricValue | null> | undefined; limit?: number }): React.ReactElement {
  const entries = Object.entries(props.metrics ?? {}).sort((a, b) => a[0].localeCompare(b[0]));
  if (entries.length === 0) {
    return <span className="mlops-missing">none</span>;
  }
  const limit = props.limit ?? 4;
  const all = entries.map(([k, v]) => `${k}=${v === null ? 'NaN' : formatMetric(v)}`);
  return (
    <span className="mlops-model-metrics" title={all.join('\n')}>
      {all.slice(0, limit).join('  ')}
      {all.length > limit ? `  +${all.length - limit}` : ''}
    </span>
  );
}

function VersionRow(props: {
  version: ModelVersion;
  now: number;
  busy: boolean;
  onOpenRun(runId: string): void;
  onPromote(): void;
}): React.ReactElement {
  const { version } = props;
  return (
    <tr
      className={`mlops-model-version-row${version.deleted ? ' mlops-deleted' : ''}`}
      data-testid="mlops-model-version-row"
      data-version={version.version}
      data-deleted={version.deleted ? 'true' : 'false'}
    >
      <td className="mlops-nowrap">
        <span className="mlops-run-name">{`v${version.version}`}</span>
        {version.deleted && <span className="mlops-badge mlops-badge-deleted">deleted</span>}
      </td>
      <td>
        <AliasChips aliases={version.aliases} />
      </td>
      <td className="mlops-nowrap" title={`${version.model_class ?? ''}${version.unsafe ? ' (loading runs code from the file)' : ''}`}>
        {version.flavor}
        {version.unsafe && <span className="mlops-badge mlops-badge-warn">unsafe</span>}
      </td>
      <td className="mlops-nowrap">
        {version.run_id ? (
          <a
            href="#"
            className="mlops-lineage-link"
            data-testid="mlops-model-run-link"
            data-run-id={version.run_id}
            title={`Open run ${version.run_id} in the Experiments tab`}
            onClick={event => {
              event.preventDefault();
              props.onOpenRun(version.run_id as string);
            }}
          >
            {shortId(version.run_id)}
          </a>
        ) : (
          <span className="mlops-missing">no run</span>
        )}
      </td>
      <td>
        {version.datasets.length ? (
          <span className="mlops-tags">
            {version.datasets.map(d => (
              <span key={d} className="mlops-tag">
                {d}
              </span>
            ))}
          </span>
        ) : (
          <span className="mlops-missing">none</span>
        )}
      </td>
      <td>
        <MetricsText metrics={version.metrics} />
      </td>
      <td className="mlops-nowrap" title={`${formatTime(version.created_at)}${version.user ? ` by ${version.user}` : ''}`}>
        {formatShortTime(version.created_at, props.now)}
      </td>
      <td className="mlops-nowrap">
        <button
          type="button"
          className="mlops-button mlops-button-small"
          data-testid="mlops-promote-button"
          data-version={version.version}
          disabled={version.deleted || props.busy}
          title={version.deleted ? 'A deleted version cannot get an alias' : `Point an alias (champion) at v${version.version}`}
          onClick={props.onPromote}
        >
          Promote…
        </button>
      </td>
    </tr>
  );
}

/** A user name for display: a Jupyter server's anonymous user is a long hex id; show its start. */
export function shortUser(user: string | null | undefined): string {
  if (!user) {
    return '';
  }
  return /^[0-9a-f]{24,}$/i.test(user) ? `${user.slice(0, 8)}…` : user;
}

function actionLabel(change: AliasChange): string {
  return change.action === 'rollback' ? 'rolled back' : change.action === 'promote' ? 'promoted' : 'set';
}

/** The alias timeline, newest first: each move with when, who, from → to, action and reason. */
function AliasTimeline(props: { history: AliasChange[] }): React.ReactElement {
  const events = [...props.history].sort((a, b) => b.seq - a.seq);
  return (
    <ol className="mlops-timeline" data-testid="mlops-alias-history">
      {events.length === 0 && (
        <li className="mlops-hint mlops-timeline-none">
          No alias has been set yet. Promote a version, or <code>{'ml.set_alias("name", "champion", 1)'}</code>.
        </li>
      )}
      {events.map(change => (
        <li
          key={change.seq}
          className={`mlops-timeline-event mlops-timeline-${change.action}`}
          data-testid="mlops-alias-event"
          data-seq={change.seq}
          data-alias={change.alias}
          data-action={change.action}
          data-from-version={change.from_version ?? ''}
          data-to-version={change.to_version}
        >
          <span className="mlops-timeline-dot" aria-hidden="true" />
          <div className="mlops-timeline-line">
            <span className="mlops-alias">{`@${change.alias}`}</span>
            <span className="mlops-timeline-move">
              {`${change.from_version === null ? '(new)' : `v${change.from_version}`} → v${change.to_version}`}
            </span>
            <span className={`mlops-timeline-action mlops-action-${change.action}`}>{actionLabel(change)}</span>
            <span
              className="mlops-timeline-meta"
              data-testid="mlops-alias-who"
              title={`${formatTime(change.changed_at)}${change.user ? ` by ${change.user}` : ''}`}
            >
              {`${formatTime(change.changed_at)}${change.user ? ` · ${shortUser(change.user)}` : ''}`}
            </span>
          </div>
          {change.reason ? (
            <div className="mlops-timeline-reason" data-testid="mlops-alias-reason">
              {change.reason}
            </div>
          ) : (
            <div className="mlops-timeline-reason mlops-missing">no reason given</div>
          )}
        </li>
      ))}
    </ol>
  );
}

function EvaluationsTable(props: { evaluations: ModelEvaluation[]; now: number }): React.ReactElement {
  return (
    <div className="mlops-table-scroll" data-testid="mlops-model-evaluations">
      {props.evaluations.length === 0 ? (
        <div className="mlops-hint">
          No evaluations yet: <code>{'ml.evaluate("churn/2", test_df, target="churned")'}</code>.
        </div>
      ) : (
        <table className="mlops-table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Data</th>
              <th className="mlops-num">Rows</th>
              <th>Target</th>
              <th>Metrics</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>
            {props.evaluations.map(e => (
              <tr key={e.evaluation_id} data-testid="mlops-model-evaluation-row" data-version={e.version}>
                <td>{`v${e.version}`}</td>
                <td className="mlops-nowrap">{e.dataset ?? <span className="mlops-missing">DataFrame</span>}</td>
                <td className="mlops-num">{formatCount(e.rows)}</td>
                <td title={e.task}>{e.target}</td>
                <td>
                  <MetricsText metrics={e.metrics} limit={3} />
                </td>
                <td className="mlops-nowrap" title={formatTime(e.created_at)}>
                  {formatShortTime(e.created_at, props.now)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function num(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : formatMetric(value);
}

function DecisionsTable(props: { decisions: PromotionDecision[]; now: number }): React.ReactElement {
  return (
    <div className="mlops-table-scroll" data-testid="mlops-model-decisions">
      {props.decisions.length === 0 ? (
        <div className="mlops-hint">
          No promotion decisions yet:{' '}
          <code>{'ml.compare_models("churn", "champion", "challenger", "churn@2", "churned")'}</code>.
        </div>
      ) : (
        <table className="mlops-table">
          <thead>
            <tr>
              <th>Champion</th>
              <th>Challenger</th>
              <th>Metric</th>
              <th className="mlops-num">Champion</th>
              <th className="mlops-num">Challenger</th>
              <th>Result</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>
            {props.decisions.map(d => (
              <tr
                key={d.decision_id}
                data-testid="mlops-model-decision-row"
                data-passed={d.passed ? 'true' : 'false'}
                title={d.summary}
              >
                <td className="mlops-nowrap">{`${d.champion} (v${d.champion_version})`}</td>
                <td className="mlops-nowrap">{`${d.challenger} (v${d.challenger_version})`}</td>
                <td>{d.primary_metric}</td>
                <td className="mlops-num">{num(d.champion_value)}</td>
                <td className="mlops-num">{num(d.challenger_value)}</td>
                <td className="mlops-nowrap">
                  <span className={d.passed ? 'mlops-pass' : 'mlops-fail'}>{d.passed ? 'pass' : 'fail'}</span>
                  {d.promoted && <span className="mlops-badge">promoted</span>}
                </td>
                <td className="mlops-nowrap" title={formatTime(d.created_at)}>
                  {formatShortTime(d.created_at, props.now)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function ModelDetail(props: { name: string; context: ITabContext; onBack(): void }): React.ReactElement {
  const { context, name } = props;
  const [serial, setSerial] = useState(0);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [latestHistory, setLatestHistory] = useState<AliasHistoryResponse | null>(null);
  const { data, error } = useLoad<IModelData>(
    async () => {
      const [versions, history, evaluations] = await Promise.all([
        listModelVersions(name, true),
        getModelAliasHistory(name),
        listModelEvaluations(name)
      ]);
      setLatestHistory(null); // this load is newer than any action's answer
      return {
        versions: versions.versions,
        history,
        evaluations: evaluations.evaluations,
        decisions: evaluations.decisions
      };
    },
    context,
    [name, serial],
    () => SLOW_MS,
    SLOW_MS
  );
  // An action's answer carries the history at once; the next load replaces it.
  const history = latestHistory ?? data?.history;
  const versions = [...(data?.versions ?? [])].sort((a, b) => b.version - a.version);
  const aliases = history?.aliases ?? {};
  const now = Date.now();

  const act = async (run: () => Promise<AliasHistoryResponse & { change: AliasChange | null }>, done: string) => {
    setBusy(true);
    setActionError(null);
    setNotice(null);
    try {
      const answer = await run();
      setLatestHistory(answer);
      setNotice(answer.change ? done : 'Nothing changed: the alias already pointed there.');
    } catch (reason) {
      setActionError(errorText(reason));
    } finally {
      setBusy(false);
      setSerial(n => n + 1);
    }
  };

  const promote = async (version: ModelVersion) => {
    const current = aliases[DEFAULT_ALIAS];
    const answer = await confirmAliasMove({
      title: `Promote ${name} v${version.version}`,
      message:
        current === undefined
          ? `Point an alias of ${name} at version ${version.version}.`
          : `Point an alias of ${name} at version ${version.version} (champion is v${current} now). Serving follows the alias.`,
      alias: DEFAULT_ALIAS,
      editableAlias: true,
      accept: 'Promote'
    });
    if (!answer) {
      return;
    }
    if (!ALIAS_PATTERN.test(answer.alias)) {
      setActionError(`“${answer.alias}” is not an alias: a letter, then letters, digits, '_' or '-'.`);
      return;
    }
    await act(
      () => setModelAlias(name, answer.alias, { version: version.version, reason: answer.reason || null, action: 'promote' }),
      `@${answer.alias} now points at v${version.version}.`
    );
  };

  const rollback = async (alias: string, target: number) => {
    const answer = await confirmAliasMove({
      title: `Roll back ${name}@${alias}`,
      message: `Return @${alias} from v${aliases[alias]} to v${target}. The rollback is recorded as a new history entry.`,
      alias,
      editableAlias: false,
      accept: 'Roll back'
    });
    if (!answer) {
      return;
    }
    await act(() => rollbackModelAlias(name, alias, { reason: answer.reason || null }), `@${alias} is back at v${target}.`);
  };

  const aliasNames = Object.keys(aliases).sort();
  return (
    <div className="mlops-model-detail" data-testid="mlops-model-versions" data-model-name={name}>
      <DetailHeader
        backLabel="Models"
        onBack={props.onBack}
        title={name}
        count={data ? versionCount(versions.length) : undefined}
      />
      <ErrorText error={error} />
      <ActionFeedback error={actionError} notice={notice} />
      {!data && !error && <div className="mlops-loading">Loading the model…</div>}
      {data && (
        <>
          <h4 className="mlops-section">Aliases</h4>
          {aliasNames.length === 0 ? (
            <div className="mlops-hint">No alias points at a version yet: promote one below.</div>
          ) : (
            <div className="mlops-alias-list">
              {aliasNames.map(alias => {
                const stack = aliasStack(history?.history ?? [], alias);
                const target = stack.length >= 2 ? stack[stack.length - 2] : null;
                return (
                  <div key={alias} className="mlops-alias-current" data-testid="mlops-alias-current" data-alias={alias}>
                    <span className="mlops-alias">{`@${alias}`}</span>
                    <span className="mlops-alias-version">{`v${aliases[alias]}`}</span>
                    <button
                      type="button"
                      className="mlops-button mlops-button-small"
                      data-testid="mlops-rollback-button"
                      data-alias={alias}
                      disabled={busy || target === null}
                      title={target === null ? 'No earlier version to roll back to' : `Return @${alias} to v${target}`}
                      onClick={() => target !== null && void rollback(alias, target)}
                    >
                      {target === null ? 'Roll back' : `Roll back to v${target}…`}
                    </button>
                  </div>
                );
              })}
            </div>
          )}

          <RunningServers context={context} model={name} />

          <h4 className="mlops-section">Versions</h4>
          <div className="mlops-table-scroll">
            <table className="mlops-table mlops-model-versions-table">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Aliases</th>
                  <th>Flavour</th>
                  <th>Run</th>
                  <th>Trained on</th>
                  <th>Metrics</th>
                  <th>Created</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {versions.map(version => (
                  <VersionRow
                    key={version.version}
                    version={version}
                    now={now}
                    busy={busy}
                    onOpenRun={runId => context.navigate({ tab: 'experiments', runId })}
                    onPromote={() => void promote(version)}
                  />
                ))}
              </tbody>
            </table>
          </div>

          <h4 className="mlops-section">Alias history</h4>
          <AliasTimeline history={history?.history ?? []} />

          <h4 className="mlops-section">Evaluations</h4>
          <EvaluationsTable evaluations={data.evaluations} now={now} />

          <h4 className="mlops-section">Promotion decisions</h4>
          <DecisionsTable decisions={data.decisions} now={now} />
        </>
      )}
    </div>
  );
}
