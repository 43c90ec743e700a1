/**
 * The Drift tab: the latest report per dataset, a dataset's drift share over time with its
 * reports, and a report's per-column status with reference-versus-current distributions.
 * The list and the history refresh every 10 s while shown; a report never changes.
 */
import React, { useState } from 'react';

import { listDriftDatasets } from '../client';
import { ErrorText, useLoad } from '../datasets/common';
import { SLOW_MS } from '../polling';
import type { ISidebarTab, ITabContext } from '../tab';
import { DriftHistoryView } from './history';
import { DriftDatasetsTable, DriftEmpty, datasetLabel } from './list';
import { DriftReportView } from './report';

type View =
  | { kind: 'list' }
  | { kind: 'dataset'; dataset: string | null }
  | { kind: 'report'; reportId: string; back: View };

const LIST: View = { kind: 'list' };

function DriftList(props: { context: ITabContext; onOpen(dataset: string | null): void }): React.ReactElement {
  const { data, error } = useLoad(() => listDriftDatasets(), props.context, [], () => SLOW_MS, SLOW_MS);
  const datasets = data?.datasets ?? [];
  return (
    <div className="mlops-drift">
      <ErrorText error={error} />
      {!data && !error && <div className="mlops-loading">Loading drift reports…</div>}
      {data && datasets.length === 0 && <DriftEmpty />}
      {datasets.length > 0 && <DriftDatasetsTable datasets={datasets} now={Date.now()} onOpen={props.onOpen} />}
    </div>
  );
}

export function DriftTab(props: { context: ITabContext }): React.ReactElement {
  const { context } = props;
  const [view, setView] = useState<View>(LIST);
  switch (view.kind) {
    case 'dataset':
      return (
        <DriftHistoryView
          key={view.dataset ?? ''}
          dataset={view.dataset}
          context={context}
          onBack={() => setView(LIST)}
          onOpen={reportId => setView({ kind: 'report', reportId, back: view })}
        />
      );
    case 'report':
      return (
        <DriftReportView
          key={view.reportId}
          reportId={view.reportId}
          context={context}
          backLabel={view.back.kind === 'dataset' ? datasetLabel(view.back.dataset) : 'Drift'}
          onBack={() => setView(view.back)}
        />
      );
    default:
      return <DriftList context={context} onOpen={dataset => setView({ kind: 'dataset', dataset })} />;
  }
}

export const driftTab: ISidebarTab = {
  id: 'drift',
  label: 'Drift',
  render: context => <DriftTab context={context} />
};
