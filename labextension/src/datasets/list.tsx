/** Every dataset with its latest version; a click opens its versions. */
import React from 'react';

import type { DatasetSummary } from '../client';
import { formatCount, formatShortTime, formatTime } from '../format';

export interface IDatasetsTableProps {
  datasets: DatasetSummary[];
  now: number;
  onOpen(name: string): void;
}

export function DatasetsTable(props: IDatasetsTableProps): React.ReactElement {
  return (
    <div className="mlops-table-scroll">
      <table className="mlops-table" data-testid="mlops-datasets-table">
        <thead>
          <tr>
            <th>Name</th>
            <th className="mlops-num" title="The latest version">
              Latest
            </th>
            <th className="mlops-num">Versions</th>
            <th className="mlops-num" title="Rows of the latest version">
              Rows
            </th>
            <th title="snapshot: a copy in the store; reference: the original file, checked on load">Storage</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          {props.datasets.map(dataset => (
            <tr
              key={dataset.name}
              className="mlops-run-row mlops-dataset-row"
              data-testid="mlops-dataset-row"
              data-dataset-name={dataset.name}
              tabIndex={0}
              onClick={() => props.onOpen(dataset.name)}
              onKeyDown={event => {
                if (event.key === 'Enter' && event.target === event.currentTarget) {
                  props.onOpen(dataset.name);
                }
              }}
            >
              <td className="mlops-dataset-name-cell" title={dataset.description ?? dataset.name}>
                <span className="mlops-dataset-name">{dataset.name}</span>
                {dataset.description && <span className="mlops-dataset-description">{dataset.description}</span>}
              </td>
              <td className="mlops-num">{`v${dataset.latest_version}`}</td>
              <td className="mlops-num">{formatCount(dataset.versions)}</td>
              <td className="mlops-num">{formatCount(dataset.rows)}</td>
              <td>
                <span className={`mlops-storage mlops-storage-${dataset.storage}`}>{dataset.storage}</span>
              </td>
              <td className="mlops-nowrap" title={formatTime(dataset.updated_at)}>
                {formatShortTime(dataset.updated_at, props.now)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
