/**
 * The Models tab: every registered model, and for one model its aliases, versions, alias
 * timeline, evaluations and promotion decisions, with promote and roll back actions; and the
 * running model servers with their traffic split and stats (servers.tsx, every 3 s).
 * Everything else refreshes every 10 s while shown.
 */
import React, { useState } from 'react';

import { listModels } from '../client';
import { ErrorText, useLoad } from '../datasets/common';
import { SLOW_MS } from '../polling';
import type { ISidebarTab, ITabContext } from '../tab';
import { ModelDetail } from './detail';
import { ModelsEmpty, ModelsTable } from './list';
import { RunningServers } from './servers';

function ModelsList(props: { context: ITabContext; onOpen(name: string): void }): React.ReactElement {
  const { data, error } = useLoad(() => listModels(), props.context, [], () => SLOW_MS, SLOW_MS);
  const models = data?.models ?? [];
  return (
    <div className="mlops-models">
      <ErrorText error={error} />
      {!data && !error && <div className="mlops-loading">Loading models…</div>}
      {data && models.length === 0 && <ModelsEmpty />}
      {models.length > 0 && <ModelsTable models={models} now={Date.now()} onOpen={props.onOpen} />}
      {models.length > 0 && <RunningServers context={props.context} />}
    </div>
  );
}

export function ModelsTab(props: { context: ITabContext }): React.ReactElement {
  const [name, setName] = useState<string | null>(null);
  if (name !== null) {
    return <ModelDetail key={name} name={name} context={props.context} onBack={() => setName(null)} />;
  }
  return <ModelsList context={props.context} onOpen={setName} />;
}

export const modelsTab: ISidebarTab = {
  id: 'models',
  label: 'Models',
  render: context => <ModelsTab context={context} />
};
