/**
 * Two versions of a dataset: schema changes, the row delta, a per-column table of profile
 * changes (shifted columns marked), and for each shifted column both distributions in one chart.
 */
import React from 'react';

import { diffDatasets, getDatasetVersion } from '../client';
import type { ColumnProfile, ColumnShift, DatasetDiff, DatasetVersion } from '../client';
import { formatCount, formatMetric } from '../format';
import type { ITabContext } from '../tab';
import { ColumnChart, hasChart } from './column-chart';
import { BackButton, ErrorText, useLoad } from './common';
import { formatDelta, formatShareChange, formatStat } from './format';

/** Charts drawn at most (shifted columns first). */
export const MAX_DIFF_CHARTS = 12;

export interface IDiffProps {
  name: string;
  before: number;
  after: number;
  context: ITabContext;
  /** Where the back button goes ("Versions", "churn@2"). */
  backLabel: string;
  onBack(): void;
}

interface IDiffData {
  diff: DatasetDiff;
  before: DatasetVersion | null;
  after: DatasetVersion | null;
}

function byName(version: DatasetVersion | null): Map<string, ColumnProfile> {
  return new Map((version?.columns ?? []).map(c => [c.column_name, c]));
}

function ColumnList(props: { label: string; items: React.ReactNode[]; testid: string }): React.ReactElement | null {
  if (props.items.length === 0) {
    return null;
  }
  return (
    <tr data-testid={props.testid}>
      <th scope="row">{props.label}</th>
      <td>
        <span className="mlops-tags">
          {props.items.map((item, i) => (
            <span key={i} className="mlops-tag">
              {item}
            </span>
          ))}
        </span>
      </td>
    </tr>
  );
}

function Changes(props: { diff: DatasetDiff }): React.ReactElement {
  const { diff } = props;
  const delta = diff.rows_after - diff.rows_before;
  return (
    <table className="mlops-kv" data-testid="mlops-dataset-diff-changes">
      <tbody>
        <tr>
          <th scope="row">Rows</th>
          <td>
            {`${formatCount(diff.rows_before)} → ${formatCount(diff.rows_after)} `}
            <span className={delta === 0 ? 'mlops-missing' : 'mlops-delta'}>{`(${formatDelta(delta)})`}</span>
          </td>
        </tr>
        <ColumnList label="Added" items={diff.added} testid="mlops-dataset-diff-added" />
        <ColumnList label="Removed" items={diff.removed} testid="mlops-dataset-diff-removed" />
        <ColumnList
          label="Retyped"
          items={diff.retyped.map(r => `${r.column}: ${r.before} → ${r.after}`)}
          testid="mlops-dataset-diff-retyped"
        />
        {diff.added.length + diff.removed.length + diff.retyped.length === 0 && (
          <tr>
            <th scope="row">Schema</th>
            <td className="mlops-missing">unchanged</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

function ShiftRow(props: {
  shift: ColumnShift;
  before?: ColumnProfile;
  after?: ColumnProfile;
}): React.ReactElement {
  const { shift, before, after } = props;
  return (
    <tr
      data-testid="mlops-dataset-diff-row"
      data-column={shift.column}
      data-shifted={shift.shifted ? 'true' : 'false'}
      className={shift.shifted ? 'mlops-diff' : undefined}
    >
      <th scope="row" className="mlops-column-name" title={shift.column}>
        {shift.column}
      </th>
      <td>{shift.kind}</td>
      <td className="mlops-num">{formatShareChange(shift.null_share_change)}</td>
      <td className="mlops-num">{shift.distinct_change === 0 ? '0' : formatDelta(shift.distinct_change)}</td>
      <td className="mlops-num">{before ? formatStat(before.mean, before) : ''}</td>
      <td className="mlops-num">{after ? formatStat(after.mean, after) : ''}</td>
      <td
        className="mlops-num"
        title="numeric/temporal: distance between the quantile functions in standard deviations; categorical: total variation distance"
      >
        {shift.shift === null ? '' : formatMetric(shift.shift)}
      </td>
      <td>{shift.shifted ? <span className="mlops-shifted">shifted</span> : ''}</td>
    </tr>
  );
}

export function DiffView(props: IDiffProps): React.ReactElement {
  const { context, name } = props;
  const beforeRef = `${name}@${props.before}`;
  const afterRef = `${name}@${props.after}`;
  // Two versions never change: one load (the profiles add the means and the charts).
  const { data, error } = useLoad<IDiffData>(
    async () => {
      const [diff, before, after] = await Promise.all([
        diffDatasets(beforeRef, afterRef),
        getDatasetVersion(name, props.before).catch(() => null),
        getDatasetVersion(name, props.after).catch(() => null)
      ]);
      return { diff, before, after };
    },
    context,
    [beforeRef, afterRef],
    () => null
  );
  const diff = data?.diff;
  const beforeCols = byName(data?.before ?? null);
  const afterCols = byName(data?.after ?? null);
  const rows = diff?.columns ?? [];
  const shifted = rows.filter(r => r.shifted);
  const charts = [...shifted, ...rows.filter(r => !r.shifted)]
    .map(r => [beforeCols.get(r.column), afterCols.get(r.column)])
    .filter((pair): pair is [ColumnProfile, ColumnProfile] => !!pair[0] && !!pair[1] && hasChart(pair[0]) && hasChart(pair[1]))
    .slice(0, MAX_DIFF_CHARTS);

  return (
    <div className="mlops-dataset-diff" data-testid="mlops-dataset-diff" data-before={beforeRef} data-after={afterRef}>
      <div className="mlops-detail-header">
        <BackButton label={props.backLabel} onBack={props.onBack} />
        <h3 className="mlops-detail-title" title={`${beforeRef} → ${afterRef}`}>
          {`${beforeRef} → ${afterRef}`}
        </h3>
      </div>
      <ErrorText error={error} />
      {!data && !error && <div className="mlops-loading">Comparing…</div>}
      {diff && (
        <>
          <p className="mlops-diff-summary" data-testid="mlops-dataset-diff-summary">
            {diff.summary}
          </p>
          <Changes diff={diff} />

          <h4 className="mlops-section">{`Columns in both (${rows.length}, ${shifted.length} shifted)`}</h4>
          {rows.length === 0 ? (
            <div className="mlops-hint">The two versions have no column in common.</div>
          ) : (
            <div className="mlops-table-scroll">
              <table className="mlops-table mlops-diff-table">
                <thead>
                  <tr>
                    <th>Column</th>
                    <th>Kind</th>
                    <th className="mlops-num" title="Change of the share of empty values">
                      Nulls
                    </th>
                    <th className="mlops-num" title="Change of the distinct count">
                      Distinct
                    </th>
                    <th className="mlops-num">{`Mean @${props.before}`}</th>
                    <th className="mlops-num">{`Mean @${props.after}`}</th>
                    <th className="mlops-num">Shift</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {rows.map(row => (
                    <ShiftRow
                      key={row.column}
                      shift={row}
                      before={beforeCols.get(row.column)}
                      after={afterCols.get(row.column)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )}

          {charts.length > 0 && <h4 className="mlops-section">Distributions</h4>}
          <div className="mlops-charts mlops-column-charts">
            {charts.map(([before, after]) => (
              <ColumnChart key={before.column_name} columns={[before, after]} labels={[beforeRef, afterRef]} />
            ))}
          </div>
        </>
      )}
    </div>
  );
}
