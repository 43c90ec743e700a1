/** Every version of one dataset, newest first; pick two to diff them, click one for its profile. */
import React from 'react';

import { listDatasetVersions } from '../client';
import type { DatasetVersion } from '../client';
import { formatCount, formatShortTime, formatTime } from '../format';
import { SLOW_MS } from '../polling';
import type { ITabContext } from '../tab';
import { DetailHeader, ErrorText, useLoad, versionCount } from './common';

export interface IVersionsProps {
  name: string;
  context: ITabContext;
  /** Version numbers ticked for a diff (kept by the tab, so they survive a visit to the diff). */
  selected: ReadonlySet<number>;
  onToggle(version: number): void;
  onBack(): void;
  onOpen(version: number): void;
  onDiff(before: number, after: number): void;
}

/** "dataframe", "parquet:/data/x.parquet", "sql:SELECT ...": the kind, then the rest. */
export function SourceText(props: { source: string }): React.ReactElement {
  const colon = props.source.indexOf(':');
  if (colon <= 0) {
    return <span title={props.source}>{props.source}</span>;
  }
  return (
    <span className="mlops-source" title={props.source}>
      <span className="mlops-source-kind">{props.source.slice(0, colon)}</span>
      {props.source.slice(colon + 1)}
    </span>
  );
}

export function FeatureSetBadge(): React.ReactElement {
  return (
    <span className="mlops-badge" data-testid="mlops-feature-set" title="A feature set: it records how it was built">
      feature set
    </span>
  );
}

function VersionRow(props: {
  version: DatasetVersion;
  selected: boolean;
  now: number;
  onToggle(): void;
  onOpen(): void;
}): React.ReactElement {
  const { version } = props;
  return (
    <tr
      className={`mlops-run-row${props.selected ? ' mlops-selected' : ''}`}
      data-testid="mlops-dataset-version-row"
      data-ref={version.ref}
      data-version={version.version}
      tabIndex={0}
      onClick={props.onOpen}
      onKeyDown={event => {
        if (event.key === 'Enter' && event.target === event.currentTarget) {
          props.onOpen();
        }
      }}
    >
      <td className="mlops-col-check" onClick={event => event.stopPropagation()}>
        <input
          type="checkbox"
          data-testid="mlops-dataset-version-checkbox"
          aria-label={`Select ${version.ref}`}
          checked={props.selected}
          onChange={props.onToggle}
        />
      </td>
      <td className="mlops-nowrap">
        <span className="mlops-run-name">{version.ref}</span>
        {version.definition && <FeatureSetBadge />}
      </td>
      <td className="mlops-num">{formatCount(version.rows)}</td>
      <td className="mlops-num">{formatCount(Object.keys(version.schema).length)}</td>
      <td>
        <span className={`mlops-storage mlops-storage-${version.storage}`}>{version.storage}</span>
      </td>
      <td className="mlops-nowrap" title={formatTime(version.created_at)}>
        {formatShortTime(version.created_at, props.now)}
      </td>
      <td className="mlops-param mlops-source-cell">
        <SourceText source={version.source} />
      </td>
    </tr>
  );
}

export function VersionsView(props: IVersionsProps): React.ReactElement {
  const { context, name, selected } = props;
  const { data, error } = useLoad(() => listDatasetVersions(name), context, [name], () => SLOW_MS, SLOW_MS);
  const versions = [...(data?.versions ?? [])].sort((a, b) => b.version - a.version);
  const latest = versions[0];
  const picked = versions.filter(v => selected.has(v.version)).map(v => v.version).sort((a, b) => a - b);
  const canDiff = picked.length === 2;
  const now = Date.now();

  return (
    <div className="mlops-dataset-versions" data-testid="mlops-dataset-versions" data-dataset-name={name}>
      <DetailHeader
        backLabel="Datasets"
        onBack={props.onBack}
        title={name}
        count={data ? versionCount(versions.length) : undefined}
      />
      {latest?.description && <p className="mlops-dataset-lead">{latest.description}</p>}
      <div className="mlops-toolbar">
        <button
          type="button"
          className="mlops-button mlops-button-primary"
          data-testid="mlops-dataset-diff-button"
          disabled={!canDiff}
          title={canDiff ? `Diff ${name}@${picked[0]} → ${name}@${picked[1]}` : 'Select two versions to diff them'}
          onClick={() => canDiff && props.onDiff(picked[0], picked[1])}
        >
          {canDiff ? `Diff @${picked[0]} → @${picked[1]}` : 'Diff'}
        </button>
        <span className="mlops-hint">
          {picked.length > 2 ? 'Select exactly two versions.' : 'Tick two versions to diff them; click a version for its profile.'}
        </span>
      </div>
      <ErrorText error={error} />
      {!data && !error && <div className="mlops-loading">Loading versions…</div>}
      {versions.length > 0 && (
        <div className="mlops-table-scroll">
          <table className="mlops-table">
            <thead>
              <tr>
                <th className="mlops-col-check" />
                <th>Version</th>
                <th className="mlops-num">Rows</th>
                <th className="mlops-num">Columns</th>
                <th>Storage</th>
                <th>Created</th>
                <th>Source</th>
              </tr>
            </thead>
            <tbody>
              {versions.map(version => (
                <VersionRow
                  key={version.version}
                  version={version}
                  selected={selected.has(version.version)}
                  now={now}
                  onToggle={() => props.onToggle(version.version)}
                  onOpen={() => props.onOpen(version.version)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
