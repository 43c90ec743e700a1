/** The latest drift report of every dataset; a click opens the dataset's drift history. */
import React from 'react';

import type { DriftReportSummary } from '../client';
import { formatShare } from '../datasets/format';
import { formatShortTime, formatTime } from '../format';

export interface IDriftDataset {
  dataset: string | null;
  reports: number;
  latest: DriftReportSummary;
}

/** The label a dataset group gets (reports between unregistered data have none). */
export function datasetLabel(dataset: string | null): string {
  return dataset ?? 'unregistered data';
}

export function DriftBadge(props: { drifted: boolean; columnsDrifted?: number }): React.ReactElement {
  if (props.drifted) {
    return <span className="mlops-drift-status mlops-drift-status-drifted">drift</span>;
  }
  if (props.columnsDrifted) {
    return (
      <span
        className="mlops-drift-status mlops-drift-status-partial"
        title="Some columns drifted, fewer than the report's drift share threshold"
      >
        {props.columnsDrifted === 1 ? '1 column' : `${props.columnsDrifted} columns`}
      </span>
    );
  }
  return <span className="mlops-drift-status mlops-drift-status-ok">no drift</span>;
}

export function DriftDatasetsTable(props: {
  datasets: IDriftDataset[];
  now: number;
  onOpen(dataset: string | null): void;
}): React.ReactElement {
  return (
    <div className="mlops-table-scroll">
      <table className="mlops-table" data-testid="mlops-drift-datasets">
        <thead>
          <tr>
            <th>Dataset</th>
            <th>Latest check</th>
            <th className="mlops-num" title="Share of the checked feature columns that drifted">
              Drift share
            </th>
            <th className="mlops-num">Drifted</th>
            <th>Status</th>
            <th className="mlops-num">Reports</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {props.datasets.map(row => (
            <tr
              key={row.dataset ?? ''}
              className="mlops-run-row"
              data-testid="mlops-drift-dataset-row"
              data-dataset={row.dataset ?? ''}
              data-drifted={row.latest.drifted ? 'true' : 'false'}
              tabIndex={0}
              onClick={() => props.onOpen(row.dataset)}
              onKeyDown={event => {
                if (event.key === 'Enter' && event.target === event.currentTarget) {
                  props.onOpen(row.dataset);
                }
              }}
            >
              <td className={row.dataset === null ? 'mlops-missing' : 'mlops-dataset-name'}>{datasetLabel(row.dataset)}</td>
              <td className="mlops-drift-pair" title={`${row.latest.reference} → ${row.latest.current}`}>
                {`${row.latest.reference} → ${row.latest.current}`}
              </td>
              <td className="mlops-num">{formatShare(row.latest.drift_share)}</td>
              <td className="mlops-num">{`${row.latest.columns_drifted} of ${row.latest.columns_checked}`}</td>
              <td>
                <DriftBadge drifted={row.latest.drifted} columnsDrifted={row.latest.columns_drifted} />
              </td>
              <td className="mlops-num">{row.reports}</td>
              <td className="mlops-nowrap" title={formatTime(row.latest.created_at)}>
                {formatShortTime(row.latest.created_at, props.now)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** No drift checks yet: the first step. */
export function DriftEmpty(): React.ReactElement {
  return (
    <div className="mlops-message mlops-empty" data-testid="mlops-drift-empty">
      <h3>No drift checks yet</h3>
      <p>Compare new data with a registered dataset version from a notebook:</p>
      <pre className="mlops-code">{'import jupyter_mlops as ml\nml.check_drift("churn@1", new_df)'}</pre>
      <p className="mlops-hint">
        Register the reference first with <code>{'ml.register_dataset(df, "churn")'}</code>. Every check is saved
        as a report; reports appear here on their own.
      </p>
    </div>
  );
}
