/**
 * One drift report: the summary, the per-column status table (drifted columns marked, most
 * severe first, as the server orders them) and, for each column, the reference and current
 * distributions on shared bins in one chart. A report never changes, so it loads once.
 */
import React from 'react';

import { BarChart, seriesColor } from '../charts';
import { getDriftReport } from '../client';
import type { DriftColumn, DriftReportDetail, MetricValue } from '../client';
import { BackButton, ErrorText, useLoad } from '../datasets/common';
import { formatShare } from '../datasets/format';
import { formatCount, formatMetric, formatTick, formatTime } from '../format';
import type { ITabContext } from '../tab';
import { DriftBadge } from './list';

/** Distribution charts drawn at most (drifted columns first). */
export const MAX_DRIFT_CHARTS = 16;

function pValue(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  return value < 1e-4 ? '<0.0001' : formatMetric(value);
}

function value(v: MetricValue | null | undefined): string {
  return v === null || v === undefined ? '' : formatMetric(v);
}

/** The reference-versus-current chart of one column, or null when the report has no picture of it. */
export function DriftColumnChart(props: { column: DriftColumn; referenceLabel: string; currentLabel: string }): React.ReactElement | null {
  const { column } = props;
  const d = column.distribution ?? {};
  const ref = d.reference ?? [];
  const cur = d.current ?? [];
  if (!ref.length && !cur.length) {
    return null;
  }
  const series = [
    { label: `reference: ${props.referenceLabel}`, color: seriesColor(0), values: ref },
    { label: `current: ${props.currentLabel}`, color: seriesColor(1), values: cur }
  ];
  const common = {
    title: column.column,
    testid: 'mlops-drift-column-chart',
    attributes: { 'data-column': column.column, 'data-drifted': column.drifted ? 'true' : 'false' },
    series,
    legend: true,
    width: 320
  };
  if (d.type === 'histogram' && d.edges && d.edges.length === ref.length + 1) {
    const edges = d.edges;
    const labels = ref.map((_, i) => `${formatTick(edges[i])} to ${formatTick(edges[i + 1])}`);
    const low = edges[0];
    const high = edges[edges.length - 1];
    return (
      <BarChart
        {...common}
        orientation="vertical"
        labels={labels}
        note={`${column.method}${column.drifted ? ', drifted' : ''}`}
        axis={[formatTick(low), formatTick((low + high) / 2), formatTick(high)]}
        tick={v => formatShare(v)}
        format={v => `${formatShare(v)} of rows`}
      />
    );
  }
  return (
    <BarChart
      {...common}
      orientation="horizontal"
      labels={d.labels ?? ref.map((_, i) => String(i))}
      note={`${column.method}${column.drifted ? ', drifted' : ''}`}
      format={v => formatShare(v)}
    />
  );
}

function ColumnRow(props: { column: DriftColumn }): React.ReactElement {
  const { column } = props;
  const newCategories = Object.keys(column.new_categories ?? {});
  return (
    <tr
      data-testid="mlops-drift-column-row"
      data-column={column.column}
      data-drifted={column.drifted ? 'true' : 'false'}
      className={column.drifted ? 'mlops-diff' : undefined}
      title={column.note || undefined}
    >
      <th scope="row" className="mlops-column-name" title={column.column}>
        {column.column}
        {column.role !== 'feature' && <span className="mlops-badge">{column.role}</span>}
      </th>
      <td>{column.kind}</td>
      <td>{column.method}</td>
      <td className="mlops-num">{value(column.statistic)}</td>
      <td className="mlops-num">{value(column.threshold)}</td>
      <td className="mlops-num" title="p-value after the correction for many tests (raw p-value in brackets)">
        {column.p_value_adjusted !== null && column.p_value_adjusted !== undefined
          ? `${pValue(column.p_value_adjusted)}${column.p_value !== null && column.p_value !== undefined ? ` (${pValue(column.p_value)})` : ''}`
          : pValue(column.p_value)}
      </td>
      <td className="mlops-num" title="Share of missing values: reference → current">
        {`${formatShare(column.reference_missing as number)} → ${formatShare(column.current_missing as number)}`}
      </td>
      <td>
        {column.drifted ? <span className="mlops-shifted">drifted</span> : <span className="mlops-missing">stable</span>}
        {newCategories.length > 0 && (
          <span className="mlops-hint" title={newCategories.join(', ')}>{` +${newCategories.length} new`}</span>
        )}
      </td>
    </tr>
  );
}

/** "churn@1 (800 rows)"; a label that already counts its rows ("DataFrame (800 rows)") as is. */
function withRows(label: string, rows: number | undefined): string {
  if (rows === undefined || /\brows?\)$/.test(label)) {
    return label;
  }
  return `${label} (${formatCount(rows)} rows)`;
}

function Header(props: { report: DriftReportDetail }): React.ReactElement {
  const { report } = props;
  const mv = report.multivariate;
  const skipped = Object.entries(report.skipped ?? {});
  return (
    <table className="mlops-kv" data-testid="mlops-drift-report-header">
      <tbody>
        <tr>
          <th scope="row">Reference</th>
          <td>{withRows(report.reference, report.reference_rows)}</td>
        </tr>
        <tr>
          <th scope="row">Current</th>
          <td>{withRows(report.current, report.current_rows)}</td>
        </tr>
        <tr>
          <th scope="row">Drift share</th>
          <td>
            {`${formatShare(report.drift_share as number)} (threshold ${formatShare(report.drift_share_threshold as number)}) `}
            <DriftBadge drifted={report.drifted} columnsDrifted={report.columns.filter(c => c.drifted).length} />
          </td>
        </tr>
        {mv && (
          <tr>
            <th scope="row">Multivariate</th>
            <td title={mv.note}>
              {mv.auc === null || mv.auc === undefined
                ? mv.note || 'not computed'
                : `domain classifier AUC ${formatMetric(mv.auc)}${mv.drifted ? ' (drift)' : ''}`}
            </td>
          </tr>
        )}
        {report.model_name && (
          <tr>
            <th scope="row">Model</th>
            <td>{`${report.model_name}/${report.model_version ?? ''}`}</td>
          </tr>
        )}
        <tr>
          <th scope="row">Checked</th>
          <td>{`${formatTime(report.created_at)}, p-values corrected: ${report.correction}`}</td>
        </tr>
        {skipped.length > 0 && (
          <tr>
            <th scope="row">Skipped</th>
            <td>{skipped.map(([c, why]) => `${c} (${why})`).join('; ')}</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

export function DriftReportView(props: {
  reportId: string;
  context: ITabContext;
  backLabel: string;
  onBack(): void;
}): React.ReactElement {
  const { context, reportId } = props;
  const { data, error } = useLoad(() => getDriftReport(reportId), context, [reportId], () => null);
  const columns = data?.columns ?? [];
  const drifted = columns.filter(c => c.drifted);
  const charts = [...drifted, ...columns.filter(c => !c.drifted)].slice(0, MAX_DRIFT_CHARTS);
  return (
    <div className="mlops-drift-report" data-testid="mlops-drift-report" data-report-id={reportId}>
      <div className="mlops-detail-header">
        <BackButton label={props.backLabel} onBack={props.onBack} />
        <h3 className="mlops-detail-title">{data ? `${data.reference} → ${data.current}` : 'Drift report'}</h3>
      </div>
      <ErrorText error={error} />
      {!data && !error && <div className="mlops-loading">Loading the report…</div>}
      {data && (
        <>
          <p className="mlops-diff-summary" data-testid="mlops-drift-summary">
            {data.summary}
          </p>
          <Header report={data} />
          <h4 className="mlops-section">{`Columns (${columns.length}, ${drifted.length} drifted)`}</h4>
          <div className="mlops-table-scroll">
            <table className="mlops-table mlops-diff-table">
              <thead>
                <tr>
                  <th>Column</th>
                  <th>Kind</th>
                  <th>Method</th>
                  <th className="mlops-num">Statistic</th>
                  <th className="mlops-num">Threshold</th>
                  <th className="mlops-num">p-value</th>
                  <th className="mlops-num">Missing</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {columns.map(column => (
                  <ColumnRow key={column.column} column={column} />
                ))}
              </tbody>
            </table>
          </div>
          {charts.length > 0 && <h4 className="mlops-section">Reference vs current</h4>}
          <div className="mlops-charts mlops-column-charts">
            {charts.map(column => (
              <DriftColumnChart
                key={column.column}
                column={column}
                referenceLabel={data.reference}
                currentLabel={data.current}
              />
            ))}
          </div>
        </>
      )}
    </div>
  );
}
