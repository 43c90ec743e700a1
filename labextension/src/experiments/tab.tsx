/**
 * The Experiments tab: experiment picker, filter, the runs table (sorted, filtered and paged on
 * the server), run detail and comparison. Refreshes every 2 s while a run on the page is
 * running, every 10 s otherwise, and not at all while hidden.
 */
import React, { useEffect, useState } from 'react';

import { ApiError, ServerExtensionMissing, listExperiments, listRuns } from '../client';
import type { Experiment, ListRunsQuery, ListRunsResponse, RunSummary } from '../client';
import { pageLabel, sortField } from '../format';
import { FAST_MS, SLOW_MS, usePolling } from '../polling';
import type { ISidebarTab, ITabContext } from '../tab';
import { EmptyState, errorText } from './common';
import { CompareView, MAX_COMPARE } from './compare';
import { RunDetailView } from './detail';
import { FilterBar } from './filter-bar';
import { RunsTable } from './runs-table';
import type { ISort } from './runs-table';

export const PAGE_SIZE = 50;
export const DEFAULT_SORT: ISort = { column: 'start_time', dir: 'DESC' };

type View =
  | { kind: 'table' }
  | { kind: 'run'; runId: string; back: View }
  | { kind: 'compare'; runIds: string[] };

const TABLE: View = { kind: 'table' };

export function ExperimentsTab(props: { context: ITabContext }): React.ReactElement {
  const { context } = props;
  const [view, setView] = useState<View>(TABLE);
  const [experiment, setExperiment] = useState('');
  const [where, setWhere] = useState('');
  const [filterText, setFilterText] = useState('');
  const [filterError, setFilterError] = useState<string | null>(null);
  const [sort, setSort] = useState<ISort>(DEFAULT_SORT);
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<ReadonlyMap<string, string>>(new Map());
  const [experiments, setExperiments] = useState<Experiment[] | null>(null);
  const [page, setPage] = useState<ListRunsResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());

  // Another tab asked to show a run (a dataset's lineage link): open its detail.
  useEffect(() => {
    if (context.request?.runId) {
      setView({ kind: 'run', runId: context.request.runId, back: TABLE });
    }
  }, [context.request]);

  const query = (filter: string, from: number): ListRunsQuery => ({
    experiment: experiment || undefined,
    where: filter || undefined,
    order_by: `${sortField(sort.column)} ${sort.dir}`,
    offset: from,
    limit: PAGE_SIZE
  });

  const fail = (reason: unknown): void => {
    if (reason instanceof ServerExtensionMissing) {
      context.reportError(reason);
    } else if (reason instanceof ApiError && reason.status === 400 && where) {
      setFilterError(reason.message);
    } else {
      setError(errorText(reason));
    }
  };

  usePolling(
    async isCurrent => {
      try {
        const [exps, runs] = await Promise.all([listExperiments(), listRuns(query(where, offset))]);
        if (!isCurrent()) {
          return null;
        }
        setExperiments(exps.experiments);
        setPage(runs);
        setError(null);
        setNow(Date.now());
        if (runs.runs.length === 0 && runs.total > 0 && offset > 0) {
          // Runs were deleted under us: go to the last page that exists.
          setOffset(Math.floor((runs.total - 1) / PAGE_SIZE) * PAGE_SIZE);
        }
        return runs.runs.some(run => run.status === 'running') ? FAST_MS : SLOW_MS;
      } catch (reason) {
        if (!isCurrent()) {
          return null;
        }
        fail(reason);
        return reason instanceof ServerExtensionMissing ? null : SLOW_MS;
      }
    },
    context.visible && view.kind === 'table',
    [experiment, where, sort.column, sort.dir, offset, context.refreshToken]
  );

  const applyFilter = async (text: string): Promise<void> => {
    // Always one request on Enter, answered in place: the server checks the filter and a
    // refused one (400) leaves the last good filter applied, with the message shown inline.
    const filter = text.trim();
    try {
      const answer = await listRuns(query(filter, 0));
      setFilterError(null);
      setError(null);
      setWhere(filter);
      setOffset(0);
      setPage(answer);
      setNow(Date.now());
    } catch (reason) {
      if (reason instanceof ApiError && reason.status === 400) {
        setFilterError(reason.message);
      } else {
        fail(reason);
      }
    }
  };

  const onSort = (column: string): void => {
    setSort(current =>
      current.column === column ? { column, dir: current.dir === 'ASC' ? 'DESC' : 'ASC' } : { column, dir: 'ASC' }
    );
    setOffset(0);
  };

  const toggle = (run: RunSummary): void => {
    setSelected(current => {
      const next = new Map(current);
      if (next.has(run.run_id)) {
        next.delete(run.run_id);
      } else {
        next.set(run.run_id, run.run_name);
      }
      return next;
    });
  };

  const togglePage = (select: boolean): void => {
    setSelected(current => {
      const next = new Map(current);
      for (const run of page?.runs ?? []) {
        if (select) {
          next.set(run.run_id, run.run_name);
        } else {
          next.delete(run.run_id);
        }
      }
      return next;
    });
  };

  if (view.kind === 'run') {
    return <RunDetailView runId={view.runId} context={context} onBack={() => setView(view.back)} />;
  }
  if (view.kind === 'compare') {
    return (
      <CompareView
        runIds={view.runIds}
        context={context}
        onBack={() => setView(TABLE)}
        onOpenRun={runId => setView({ kind: 'run', runId, back: view })}
      />
    );
  }

  const runs = page?.runs ?? [];
  const total = page?.total ?? 0;
  const empty = page !== null && total === 0 && !where;
  const noMatch = page !== null && total === 0 && !!where;
  const count = selected.size;
  const canCompare = count >= 2 && count <= MAX_COMPARE;

  return (
    <div className="mlops-experiments">
      <FilterBar
        experiments={experiments}
        experiment={experiment}
        onExperiment={name => {
          setExperiment(name);
          setOffset(0);
        }}
        text={filterText}
        onText={text => {
          setFilterText(text);
          setFilterError(null);
        }}
        onApply={text => void applyFilter(text)}
        error={filterError}
        applied={where}
      />
      <div className="mlops-toolbar">
        <button
          type="button"
          className="mlops-button mlops-button-primary"
          data-testid="mlops-compare-button"
          disabled={!canCompare}
          title={
            count > MAX_COMPARE
              ? `Compare at most ${MAX_COMPARE} runs`
              : count < 2
                ? 'Select two or more runs to compare them'
                : `Compare the ${count} selected runs`
          }
          onClick={() => setView({ kind: 'compare', runIds: [...selected.keys()] })}
        >
          {count ? `Compare (${count})` : 'Compare'}
        </button>
        {count > 0 && (
          <button
            type="button"
            className="mlops-button mlops-link"
            data-testid="mlops-clear-selection"
            onClick={() => setSelected(new Map())}
          >
            Clear selection
          </button>
        )}
        <span className="mlops-spacer" />
        <span className="mlops-page-info" data-testid="mlops-page-info">
          {page ? pageLabel(page.offset, runs.length, total) : ''}
        </span>
        <button
          type="button"
          className="mlops-button"
          data-testid="mlops-page-prev"
          aria-label="Previous page"
          title="Previous page"
          disabled={offset === 0}
          onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
        >
          ‹
        </button>
        <button
          type="button"
          className="mlops-button"
          data-testid="mlops-page-next"
          aria-label="Next page"
          title="Next page"
          disabled={!page || offset + PAGE_SIZE >= total}
          onClick={() => setOffset(offset + PAGE_SIZE)}
        >
          ›
        </button>
      </div>
      {error && (
        <div className="mlops-error-text" role="alert" data-testid="mlops-error">
          {error}
        </div>
      )}
      {page === null && !error && <div className="mlops-loading">Loading runs…</div>}
      {(empty || noMatch) && <EmptyState experiment={experiment} filtered={noMatch} />}
      {runs.length > 0 && (
        <RunsTable
          runs={runs}
          sort={sort}
          onSort={onSort}
          selected={selected}
          onToggle={toggle}
          onTogglePage={togglePage}
          onOpen={run => setView({ kind: 'run', runId: run.run_id, back: TABLE })}
          now={now}
        />
      )}
    </div>
  );
}

export const experimentsTab: ISidebarTab = {
  id: 'experiments',
  label: 'Experiments',
  render: context => <ExperimentsTab context={context} />
};
