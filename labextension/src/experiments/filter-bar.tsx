/** The experiment picker and the filter box (the `where` language, applied on Enter). */
import React from 'react';

import type { Experiment } from '../client';
import { formatCount } from '../format';

export interface IFilterBarProps {
  experiments: Experiment[] | null;
  experiment: string;
  onExperiment(name: string): void;
  text: string;
  onText(text: string): void;
  /** Apply the text as the filter (Enter); an empty text clears it. */
  onApply(text: string): void;
  /** The server's message for a filter it refused (400), shown as text. */
  error: string | null;
  applied: string;
}

function runsText(n: number): string {
  return n === 1 ? '1 run' : `${formatCount(n)} runs`;
}

export function FilterBar(props: IFilterBarProps): React.ReactElement {
  const experiments = props.experiments ?? [];
  const total = experiments.reduce((n, e) => n + e.runs, 0);
  const selected = experiments.find(e => e.name === props.experiment);
  const known = props.experiment === '' || selected !== undefined;
  const pending = props.text.trim() !== props.applied;
  return (
    <div className="mlops-filterbar">
      <label className="mlops-field">
        <span className="mlops-label">Experiment</span>
        <select
          className="mlops-select"
          data-testid="mlops-experiment-select"
          value={props.experiment}
          onChange={event => props.onExperiment(event.target.value)}
        >
          <option value="">All experiments</option>
          {!known && <option value={props.experiment}>{props.experiment}</option>}
          {experiments.map(e => (
            <option key={e.experiment_id} value={e.name} title={`${e.name}: ${runsText(e.runs)}`}>
              {e.name}
            </option>
          ))}
        </select>
        <span className="mlops-count" data-testid="mlops-experiment-count" title="Runs in this experiment">
          {props.experiments === null ? '' : runsText(selected === undefined ? total : selected.runs)}
        </span>
      </label>
      <label className="mlops-field">
        <span className="mlops-label">Filter</span>
        <input
          type="search"
          className={`mlops-input${props.error ? ' mlops-input-invalid' : ''}`}
          data-testid="mlops-filter"
          placeholder="filter, e.g. metrics.acc > 0.9 AND params.model = 'rf'  (Enter)"
          title="A filter in the search_runs language; press Enter to apply, Escape to clear"
          spellCheck={false}
          autoComplete="off"
          value={props.text}
          aria-invalid={props.error ? true : undefined}
          onChange={event => props.onText(event.target.value)}
          onKeyDown={event => {
            if (event.key === 'Enter') {
              event.preventDefault();
              props.onApply(props.text);
            } else if (event.key === 'Escape') {
              event.preventDefault();
              props.onText('');
              props.onApply('');
            }
          }}
        />
      </label>
      {props.error ? (
        <div className="mlops-filter-error" data-testid="mlops-filter-error" role="alert">
          {props.error}
        </div>
      ) : (
        pending && <div className="mlops-hint">Press Enter to apply the filter.</div>
      )}
    </div>
  );
}
