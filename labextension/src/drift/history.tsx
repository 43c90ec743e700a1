/** One dataset's drift checks: the drift share over time, and every report (newest first). */
import React from 'react';

import { LineChart, seriesColor } from '../charts';
import { getDriftHistory } from '../client';
import type { DriftReportSummary } from '../client';
import { BackButton, ErrorText, useLoad } from '../datasets/common';
import { formatShare } from '../datasets/format';
import { formatShortTime, formatTime, parseTime } from '../format';
import { SLOW_MS } from '../polling';
import type { ITabContext } from '../tab';
import { DriftBadge, datasetLabel } from './list';

/** The reports of one group: a dataset name, or (null) the reports between unregistered data. */
function inGroup(report: DriftReportSummary, dataset: string | null): boolean {
  const name = report.reference_name ?? report.current_name ?? null;
  return name === dataset;
}

export function DriftHistoryView(props: {
  dataset: string | null;
  context: ITabContext;
  onBack(): void;
  onOpen(reportId: string): void;
}): React.ReactElement {
  const { context, dataset } = props;
  const { data, error } = useLoad(() => getDriftHistory(dataset, 200), context, [dataset], () => SLOW_MS, SLOW_MS);
  const reports = (data?.reports ?? []).filter(r => inGroup(r, dataset));
  const now = Date.now();
  const points: Array<[number, number]> = reports.map(r => [parseTime(r.created_at)?.getTime() ?? NaN, r.drift_share]);
  const newest = [...reports].reverse();

  return (
    <div className="mlops-drift-history" data-testid="mlops-drift-history" data-dataset={dataset ?? ''}>
      <div className="mlops-detail-header">
        <BackButton label="Drift" onBack={props.onBack} />
        <h3 className="mlops-detail-title">{datasetLabel(dataset)}</h3>
        {data && <span className="mlops-count">{reports.length === 1 ? '1 report' : `${reports.length} reports`}</span>}
      </div>
      <ErrorText error={error} />
      {!data && !error && <div className="mlops-loading">Loading drift reports…</div>}
      {data && (
        <>
          <h4 className="mlops-section">Drift share over time</h4>
          <div className="mlops-drift-chart">
            <LineChart
              title="share of drifted columns"
              testid="mlops-drift-history-chart"
              series={[{ label: datasetLabel(dataset), color: seriesColor(0), points }]}
              width={560}
              height={160}
              markers
              yDomain={[0, 1]}
              formatX={x => formatShortTime(new Date(x).toISOString(), now)}
              formatY={y => formatShare(y)}
              onPointClick={(_series, index) => props.onOpen(reports[index].report_id)}
            />
          </div>
          <h4 className="mlops-section">Reports</h4>
          <div className="mlops-table-scroll">
            <table className="mlops-table">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Reference → current</th>
                  <th className="mlops-num">Rows</th>
                  <th className="mlops-num">Drift share</th>
                  <th className="mlops-num">Drifted</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {newest.map(r => (
                  <tr
                    key={r.report_id}
                    className="mlops-run-row"
                    data-testid="mlops-drift-report-row"
                    data-report-id={r.report_id}
                    data-drifted={r.drifted ? 'true' : 'false'}
                    tabIndex={0}
                    onClick={() => props.onOpen(r.report_id)}
                    onKeyDown={event => {
                      if (event.key === 'Enter' && event.target === event.currentTarget) {
                        props.onOpen(r.report_id);
                      }
                    }}
                  >
                    <td className="mlops-nowrap" title={formatTime(r.created_at)}>
                      {formatShortTime(r.created_at, now)}
                    </td>
                    <td className="mlops-drift-pair">{`${r.reference} → ${r.current}`}</td>
                    <td className="mlops-num">{`${r.reference_rows} → ${r.current_rows}`}</td>
                    <td className="mlops-num">{formatShare(r.drift_share)}</td>
                    <td className="mlops-num">{`${r.columns_drifted} of ${r.columns_checked}`}</td>
                    <td>
                      <DriftBadge drifted={r.drifted} columnsDrifted={r.columns_drifted} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
