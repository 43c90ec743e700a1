/**
 * A version's lineage: the runs that produced it and the runs that read it. Each run is a link
 * that switches to the Experiments tab and opens the run there.
 */
import React from 'react';

import { getLineage } from '../client';
import { shortId } from '../format';
import { SLOW_MS } from '../polling';
import type { ITabContext } from '../tab';
import { ErrorText, useLoad } from './common';

/** A lineage row for a dataset: the run, its experiment and status (extra keys are ignored). */
interface ILineageRun {
  run_id: string;
  run_name?: string | null;
  experiment?: string | null;
  status?: string | null;
}

function runs(rows: Array<Record<string, unknown>>): ILineageRun[] {
  return rows
    .filter(row => typeof row.run_id === 'string')
    .map(row => ({
      run_id: row.run_id as string,
      run_name: typeof row.run_name === 'string' ? row.run_name : null,
      experiment: typeof row.experiment === 'string' ? row.experiment : null,
      status: typeof row.status === 'string' ? row.status : null
    }));
}

function RunList(props: {
  runs: ILineageRun[];
  empty: React.ReactNode;
  role: 'producer' | 'reader';
  onOpen(runId: string): void;
}): React.ReactElement {
  if (props.runs.length === 0) {
    return <div className="mlops-hint mlops-lineage-none">{props.empty}</div>;
  }
  return (
    <ul className="mlops-lineage-list">
      {props.runs.map(run => (
        <li key={run.run_id}>
          <a
            href="#"
            className="mlops-lineage-link"
            data-testid="mlops-lineage-run"
            data-run-id={run.run_id}
            data-role={props.role}
            title={`Open run ${run.run_name ?? ''} (${run.run_id}) in the Experiments tab`}
            onClick={event => {
              event.preventDefault();
              props.onOpen(run.run_id);
            }}
          >
            {run.run_name || shortId(run.run_id)}
          </a>
          {run.experiment && <span className="mlops-lineage-meta">{run.experiment}</span>}
          <span className="mlops-lineage-meta mlops-lineage-id">{shortId(run.run_id)}</span>
          {run.status && <span className={`mlops-status mlops-status-${run.status}`}>{run.status}</span>}
        </li>
      ))}
    </ul>
  );
}

export function LineageSection(props: { datasetRef: string; context: ITabContext }): React.ReactElement {
  const { context, datasetRef } = props;
  // Readers keep coming (a training run loading this version): refresh on the slow cadence.
  const { data, error } = useLoad(() => getLineage(datasetRef), context, [datasetRef], () => SLOW_MS, SLOW_MS);
  const open = (runId: string) => context.navigate({ tab: 'experiments', runId });
  return (
    <div className="mlops-lineage" data-testid="mlops-dataset-lineage" data-ref={datasetRef}>
      <ErrorText error={error} />
      {!data && !error && <div className="mlops-loading">Loading lineage…</div>}
      {data && (
        <div className="mlops-lineage-grid">
          <div>
            <h5 className="mlops-lineage-heading">Produced by</h5>
            <RunList
              runs={runs(data.upstream)}
              role="producer"
              onOpen={open}
              empty="Registered outside a run."
            />
          </div>
          <div>
            <h5 className="mlops-lineage-heading">Read by</h5>
            <RunList
              runs={runs(data.downstream)}
              role="reader"
              onOpen={open}
              empty={
                <>
                  No run has read it yet. Inside a run, <code>{`ml.load_dataset("${datasetRef}")`}</code> records one.
                </>
              }
            />
          </div>
        </div>
      )}
    </div>
  );
}
