/** One version: its header, the per-column profile table, a chart per column, and its lineage. */
import React from 'react';

import { getDatasetVersion } from '../client';
import type { ColumnProfile, DatasetVersion } from '../client';
import { formatCount, formatTime } from '../format';
import type { ITabContext } from '../tab';
import { ColumnChart, hasChart } from './column-chart';
import { BackButton, ErrorText, useLoad } from './common';
import { formatBound, formatShare, formatStat, plural, shortFingerprint } from './format';
import { LineageSection } from './lineage';
import { FeatureSetBadge, SourceText } from './versions';

export interface IProfileProps {
  name: string;
  version: number;
  context: ITabContext;
  /** Where the back button goes ("Versions", "churn@2"). */
  backLabel: string;
  onBack(): void;
  /** Diff this version with the one before it (absent for version 1). */
  onDiffPrevious?(): void;
}

function Header(props: { version: DatasetVersion }): React.ReactElement {
  const { version } = props;
  const tags = Object.entries(version.tags ?? {});
  const columns = Object.keys(version.schema).length;
  return (
    <table className="mlops-kv" data-testid="mlops-dataset-header">
      <tbody>
        <tr>
          <th scope="row">Ref</th>
          <td>
            {version.ref}
            {version.definition && <FeatureSetBadge />}
          </td>
        </tr>
        <tr>
          <th scope="row">Size</th>
          <td>{`${plural(version.rows, 'row')} × ${plural(columns, 'column')}`}</td>
        </tr>
        <tr>
          <th scope="row">Fingerprint</th>
          <td title={version.fingerprint}>{shortFingerprint(version.fingerprint)}</td>
        </tr>
        <tr>
          <th scope="row">Storage</th>
          <td>
            <span className={`mlops-storage mlops-storage-${version.storage}`}>{version.storage}</span>
          </td>
        </tr>
        <tr>
          <th scope="row">Source</th>
          <td className="mlops-break">
            <SourceText source={version.source} />
          </td>
        </tr>
        <tr>
          <th scope="row">Created</th>
          <td>{formatTime(version.created_at)}</td>
        </tr>
        {version.description && (
          <tr>
            <th scope="row">Description</th>
            <td className="mlops-plain">{version.description}</td>
          </tr>
        )}
        {tags.length > 0 && (
          <tr>
            <th scope="row">Tags</th>
            <td>
              <span className="mlops-tags">
                {tags.map(([key, value]) => (
                  <span key={key} className="mlops-tag" title={`${key}=${value}`}>
                    {`${key}=${value}`}
                  </span>
                ))}
              </span>
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

function chartId(ref: string, column: string): string {
  return `mlops-chart-${encodeURIComponent(ref)}-${encodeURIComponent(column)}`;
}

function ColumnsTable(props: { version: DatasetVersion; columns: ColumnProfile[] }): React.ReactElement {
  return (
    <div className="mlops-table-scroll">
      <table className="mlops-table mlops-profile-table" data-testid="mlops-dataset-columns">
        <thead>
          <tr>
            <th>Column</th>
            <th>Type</th>
            <th>Kind</th>
            <th className="mlops-num" title="Share of rows with no value">
              Null
            </th>
            <th className="mlops-num" title="Distinct values (approximate)">
              Distinct
            </th>
            <th className="mlops-num">Min</th>
            <th className="mlops-num">Max</th>
            <th className="mlops-num">Mean</th>
            <th className="mlops-num">Std</th>
          </tr>
        </thead>
        <tbody>
          {props.columns.map(column => {
            const min = formatBound(column.min, column);
            const max = formatBound(column.max, column);
            return (
              <tr key={column.position} data-testid="mlops-dataset-column-row" data-column={column.column_name}>
                <th scope="row" className="mlops-column-name" title={column.column_name}>
                  {hasChart(column) ? (
                    <button
                      type="button"
                      className="mlops-link mlops-column-link"
                      title={`Show the chart of ${column.column_name}`}
                      onClick={() =>
                        document
                          .getElementById(chartId(props.version.ref, column.column_name))
                          ?.scrollIntoView({ block: 'nearest', behavior: 'smooth' })
                      }
                    >
                      {column.column_name}
                    </button>
                  ) : (
                    column.column_name
                  )}
                </th>
                <td className="mlops-type" title={column.type}>
                  {column.type}
                </td>
                <td>{column.kind}</td>
                <td className="mlops-num">{formatShare(column.null_share)}</td>
                <td className="mlops-num">{column.distinct_count === null ? '' : formatCount(column.distinct_count)}</td>
                <td className="mlops-num mlops-bound" title={column.min ?? ''}>
                  {min}
                </td>
                <td className="mlops-num mlops-bound" title={column.max ?? ''}>
                  {max}
                </td>
                <td className="mlops-num">{formatStat(column.mean, column)}</td>
                <td className="mlops-num">{formatStat(column.std, column, true)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function ProfileView(props: IProfileProps): React.ReactElement {
  const { context, name, version } = props;
  // A version never changes: load it once (again only on "MLOps: Refresh").
  const { data, error } = useLoad(() => getDatasetVersion(name, version), context, [name, version], () => null);
  const columns = [...(data?.columns ?? [])].sort((a, b) => a.position - b.position);
  const charted = columns.filter(hasChart);
  const ref = `${name}@${version}`;

  return (
    <div className="mlops-dataset-profile" data-testid="mlops-dataset-profile" data-ref={ref}>
      <div className="mlops-detail-header">
        <BackButton label={props.backLabel} onBack={props.onBack} />
        <h3 className="mlops-detail-title" title={ref}>
          {ref}
        </h3>
        <span className="mlops-spacer" />
        {props.onDiffPrevious && (
          <button
            type="button"
            className="mlops-button"
            data-testid="mlops-dataset-diff-previous"
            title={`Diff ${name}@${version - 1} → ${ref}`}
            onClick={props.onDiffPrevious}
          >
            {`Diff with @${version - 1}`}
          </button>
        )}
      </div>
      <ErrorText error={error} />
      {!data && !error && <div className="mlops-loading">Loading profile…</div>}
      {data && (
        <>
          <Header version={data} />
          {data.definition && (
            <details className="mlops-definition">
              <summary>Feature set definition</summary>
              <pre className="mlops-code">{JSON.stringify(data.definition, null, 2)}</pre>
            </details>
          )}

          <h4 className="mlops-section">Lineage</h4>
          <LineageSection datasetRef={data.ref} context={context} />

          <h4 className="mlops-section">{`Columns (${columns.length})`}</h4>
          <ColumnsTable version={data} columns={columns} />

          {charted.length > 0 && <h4 className="mlops-section">Distributions</h4>}
          <div className="mlops-charts mlops-column-charts">
            {charted.map(column => (
              <div key={column.position} id={chartId(data.ref, column.column_name)}>
                <ColumnChart columns={[column]} />
              </div>
            ))}
          </div>
        </>
      )}
    </div>
  );
}
