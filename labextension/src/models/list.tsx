/** Every registered model with its latest version and aliases; a click opens the model. */
import React from 'react';

import type { ModelSummary } from '../client';
import { formatCount, formatShortTime, formatTime } from '../format';

export function AliasChips(props: { aliases: Record<string, number> | string[]; showVersion?: boolean }): React.ReactElement | null {
  const entries: Array<[string, number | null]> = Array.isArray(props.aliases)
    ? props.aliases.map(a => [a, null])
    : Object.entries(props.aliases).sort((a, b) => a[0].localeCompare(b[0]));
  if (entries.length === 0) {
    return null;
  }
  return (
    <span className="mlops-tags">
      {entries.map(([alias, version]) => (
        <span key={alias} className="mlops-alias" data-alias={alias}>
          {props.showVersion && version !== null ? `@${alias} → v${version}` : `@${alias}`}
        </span>
      ))}
    </span>
  );
}

export function ModelsTable(props: { models: ModelSummary[]; now: number; onOpen(name: string): void }): React.ReactElement {
  return (
    <div className="mlops-table-scroll">
      <table className="mlops-table" data-testid="mlops-models-table">
        <thead>
          <tr>
            <th>Name</th>
            <th className="mlops-num">Latest</th>
            <th className="mlops-num">Versions</th>
            <th>Aliases</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          {props.models.map(model => (
            <tr
              key={model.name}
              className="mlops-run-row mlops-model-row"
              data-testid="mlops-model-row"
              data-model-name={model.name}
              tabIndex={0}
              onClick={() => props.onOpen(model.name)}
              onKeyDown={event => {
                if (event.key === 'Enter' && event.target === event.currentTarget) {
                  props.onOpen(model.name);
                }
              }}
            >
              <td className="mlops-dataset-name-cell" title={model.description ?? model.name}>
                <span className="mlops-dataset-name">{model.name}</span>
                {model.description && <span className="mlops-dataset-description">{model.description}</span>}
              </td>
              <td className="mlops-num">{model.latest_version === null ? '' : `v${model.latest_version}`}</td>
              <td className="mlops-num">{formatCount(model.versions)}</td>
              <td>
                <AliasChips aliases={model.aliases} showVersion />
              </td>
              <td className="mlops-nowrap" title={formatTime(model.updated_at)}>
                {formatShortTime(model.updated_at, props.now)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** No models yet: the first step, as text to copy into a notebook. */
export function ModelsEmpty(): React.ReactElement {
  return (
    <div className="mlops-message mlops-empty" data-testid="mlops-models-empty">
      <h3>No models yet</h3>
      <p>Register a fitted model from a notebook:</p>
      <pre className="mlops-code">{'import jupyter_mlops as ml\nml.register_model(model, "churn")'}</pre>
      <p>
        or, after <code>%load_ext jupyter_mlops</code>: <code>%mlops model register model --name churn</code>
      </p>
      <p className="mlops-hint">
        Each registration adds a version with its run, training data and metrics. Then point an alias at one:{' '}
        <code>{'ml.set_alias("churn", "champion", 1, reason="first model")'}</code>. New models appear here on their
        own.
      </p>
    </div>
  );
}
