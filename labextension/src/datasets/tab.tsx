/**
 * The Datasets tab: every registered dataset, its versions, a version's profile (per-column
 * table and charts) with its lineage, and the diff of two versions. The list and the versions
 * refresh every 10 s while shown; a version's profile and a diff never change, so they load once.
 */
import React, { useState } from 'react';

import { listDatasets } from '../client';
import { SLOW_MS } from '../polling';
import type { ISidebarTab, ITabContext } from '../tab';
import { DatasetsEmpty, ErrorText, useLoad } from './common';
import { DiffView } from './diff';
import { DatasetsTable } from './list';
import { ProfileView } from './profile';
import { VersionsView } from './versions';

type View =
  | { kind: 'list' }
  | { kind: 'versions'; name: string }
  | { kind: 'version'; name: string; version: number; back: View }
  | { kind: 'diff'; name: string; before: number; after: number; back: View };

const LIST: View = { kind: 'list' };

/** The back button's text for going back to `view`. */
function backLabel(view: View): string {
  return view.kind === 'version' ? `${view.name}@${view.version}` : view.kind === 'list' ? 'Datasets' : 'Versions';
}

function DatasetsList(props: { context: ITabContext; onOpen(name: string): void }): React.ReactElement {
  const { data, error } = useLoad(() => listDatasets(), props.context, [], () => SLOW_MS, SLOW_MS);
  const datasets = data?.datasets ?? [];
  return (
    <div className="mlops-datasets">
      <ErrorText error={error} />
      {!data && !error && <div className="mlops-loading">Loading datasets…</div>}
      {data && datasets.length === 0 && <DatasetsEmpty />}
      {datasets.length > 0 && <DatasetsTable datasets={datasets} now={Date.now()} onOpen={props.onOpen} />}
    </div>
  );
}

export function DatasetsTab(props: { context: ITabContext }): React.ReactElement {
  const { context } = props;
  const [view, setView] = useState<View>(LIST);
  // Versions ticked for a diff, per dataset (kept while the user visits a diff or a profile).
  const [selected, setSelected] = useState<ReadonlyMap<string, ReadonlySet<number>>>(new Map());

  const toggle = (name: string, version: number): void => {
    setSelected(current => {
      const next = new Set(current.get(name) ?? []);
      if (next.has(version)) {
        next.delete(version);
      } else {
        next.add(version);
      }
      return new Map(current).set(name, next);
    });
  };

  switch (view.kind) {
    case 'versions':
      return (
        <VersionsView
          name={view.name}
          context={context}
          selected={selected.get(view.name) ?? new Set()}
          onToggle={version => toggle(view.name, version)}
          onBack={() => setView(LIST)}
          onOpen={version => setView({ kind: 'version', name: view.name, version, back: view })}
          onDiff={(before, after) => setView({ kind: 'diff', name: view.name, before, after, back: view })}
        />
      );
    case 'version':
      return (
        <ProfileView
          key={`${view.name}@${view.version}`}
          name={view.name}
          version={view.version}
          context={context}
          backLabel={backLabel(view.back)}
          onBack={() => setView(view.back)}
          onDiffPrevious={
            view.version > 1
              ? () => setView({ kind: 'diff', name: view.name, before: view.version - 1, after: view.version, back: view })
              : undefined
          }
        />
      );
    case 'diff':
      return (
        <DiffView
          key={`${view.name}@${view.before}..${view.after}`}
          name={view.name}
          before={view.before}
          after={view.after}
          context={context}
          backLabel={backLabel(view.back)}
          onBack={() => setView(view.back)}
        />
      );
    default:
      return <DatasetsList context={context} onOpen={name => setView({ kind: 'versions', name })} />;
  }
}

export const datasetsTab: ISidebarTab = {
  id: 'datasets',
  label: 'Datasets',
  render: context => <DatasetsTab context={context} />
};
