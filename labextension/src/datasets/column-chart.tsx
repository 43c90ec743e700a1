/**
 * One chart per profiled column: numeric and temporal columns a histogram rebuilt from the stored
 * quantiles, categorical and boolean columns their top categories as horizontal bars (as in the
 * notebook widget `jupyter_mlops/widgets/dataset.py`). The diff view draws two versions together.
 */
import React from 'react';

import { BarChart, seriesColor } from '../charts';
import type { IBarSeries } from '../charts';
import type { ColumnProfile } from '../client';
import { formatCount } from '../format';
import { formatEdge, formatShare } from './format';
import { BINS, finiteQuantiles, histogramFromQuantiles } from './histogram';

/** Categories drawn per column (the profile stores the top 50). */
export const BAR_CATEGORIES = 8;

const TESTID = 'mlops-dataset-column-chart';

function hasHistogram(column: ColumnProfile): boolean {
  return (column.kind === 'numeric' || column.kind === 'temporal') && !!column.quantiles;
}

/** True when the column gets a chart at all (`other` columns, e.g. lists or structs, do not). */
export function hasChart(column: ColumnProfile): boolean {
  return hasHistogram(column) || (column.categories?.length ?? 0) > 0;
}

function histogramProps(columns: ColumnProfile[], labels: string[]) {
  const temporal = columns[0].kind === 'temporal';
  const usable = columns.map(c => finiteQuantiles(c.quantiles));
  const drawn = usable.filter((q): q is number[] => q !== null);
  // One version: its own range, exactly as the Python widget. Several: shared bins over all of them.
  const range: [number, number] | undefined =
    columns.length > 1 && drawn.length
      ? [Math.min(...drawn.map(q => q[0])), Math.max(...drawn.map(q => q[q.length - 1]))]
      : undefined;
  const histograms = columns.map(c => histogramFromQuantiles(c.quantiles, BINS, range));
  const bins = histograms.find(h => h.length > 0) ?? [];
  const low = bins.length ? bins[0][0] : 0;
  const high = bins.length ? bins[bins.length - 1][1] : 0;
  const span = high - low;
  const edge = (v: number) => formatEdge(v, temporal, span);
  const series: IBarSeries[] = histograms.map((h, i) => ({
    label: labels[i] ?? '',
    color: seriesColor(i),
    values: h.map(bin => bin[2])
  }));
  return {
    labels: bins.map(([a, b]) => (a === b ? edge(a) : `${edge(a)} to ${edge(b)}`)),
    series,
    axis: bins.length ? ([edge(low), edge((low + high) / 2), edge(high)] as [string, string, string]) : undefined,
    note: `${temporal ? 'temporal' : 'numeric'}, ${bins.length === 1 ? 'one value' : `${bins.length} bins`}`,
    empty: columns.some(c => c.quantiles) ? 'non-finite values: no histogram' : 'no values'
  };
}

function categoryProps(columns: ColumnProfile[], labels: string[]) {
  // Categories in the first version's order, then any the others add (up to BAR_CATEGORIES).
  const names: string[] = [];
  for (const column of columns) {
    for (const [value] of column.categories ?? []) {
      const name = String(value);
      if (!names.includes(name) && names.length < BAR_CATEGORIES) {
        names.push(name);
      }
    }
  }
  const totals = columns.map(c =>
    (c.categories ?? []).reduce((n, pair) => n + Number(pair[1]), 0) + (c.other_count ?? 0)
  );
  const counts = columns.map(c => new Map((c.categories ?? []).map(([v, n]) => [String(v), Number(n)])));
  const rest = columns.map((_, i) => totals[i] - names.reduce((n, name) => n + (counts[i].get(name) ?? 0), 0));
  const hasRest = rest.some(n => n > 0);
  const distinct = columns[columns.length - 1].distinct_count;
  const slotLabels = hasRest ? [...names, 'other values'] : names;
  const series: IBarSeries[] = columns.map((_, i) => ({
    label: labels[i] ?? '',
    color: seriesColor(i),
    // Shares, not counts, so versions of different sizes compare fairly.
    values: [...names.map(name => counts[i].get(name) ?? 0), ...(hasRest ? [rest[i]] : [])].map(n =>
      totals[i] > 0 ? n / totals[i] : 0
    )
  }));
  const shown = Math.min(names.length, BAR_CATEGORIES);
  return {
    labels: slotLabels,
    series,
    muted: hasRest ? [names.length] : [],
    note: distinct !== null && distinct !== undefined && distinct > shown ? `top ${shown} of ~${formatCount(distinct)}` : `${shown} values`,
    totals
  };
}

export interface IColumnChartProps {
  /** One profile, or the same column in several versions (drawn side by side). */
  columns: ColumnProfile[];
  /** Legend labels when there are several (the versions' refs). */
  labels?: string[];
  width?: number;
}

/** The SVG chart of one column (`data-column` names it); null when the column has nothing to draw. */
export function ColumnChart(props: IColumnChartProps): React.ReactElement | null {
  const { columns } = props;
  if (columns.length === 0 || !columns.some(hasChart)) {
    return null;
  }
  const name = columns[0].column_name;
  const labels = props.labels ?? [];
  const legend = columns.length > 1;
  const common = {
    title: name,
    testid: TESTID,
    attributes: { 'data-column': name, 'data-kind': columns[0].kind },
    width: props.width ?? 320,
    legend
  };
  if (columns.some(hasHistogram)) {
    const h = histogramProps(columns, labels);
    return (
      <BarChart
        {...common}
        orientation="vertical"
        labels={h.labels}
        series={h.series}
        axis={h.axis}
        note={h.note}
        empty={h.empty}
        tick={v => formatShare(v)}
        format={v => `${formatShare(v)} of rows`}
      />
    );
  }
  const c = categoryProps(columns, labels);
  return (
    <BarChart
      {...common}
      orientation="horizontal"
      labels={c.labels}
      series={c.series}
      muted={c.muted}
      note={c.note}
      format={(v, _slot, i) => `${formatCount(Math.round(v * c.totals[i]))} (${formatShare(v)})`}
    />
  );
}
