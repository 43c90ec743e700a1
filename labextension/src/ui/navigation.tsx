/** Getting back from a detail view: the back button and the header that carries it. */
import React from 'react';

/** "← Runs", "← Drift"...: `label` names the view it goes back to. */
export function BackButton(props: { label: string; onBack(): void }): React.ReactElement {
  return (
    <button type="button" className="mlops-button mlops-back" data-testid="mlops-back" onClick={props.onBack}>
      {`← ${props.label}`}
    </button>
  );
}

/**
 * A detail view's header: back button, title (its tooltip `tooltip`, else the title), then
 * `children` (a count such as "3 versions", a status badge).
 */
export function DetailHeader(props: {
  backLabel: string;
  onBack: () => void;
  title: string;
  tooltip?: string;
  count?: string;
  children?: React.ReactNode;
}): React.ReactElement {
  return (
    <div className="mlops-detail-header">
      <BackButton label={props.backLabel} onBack={props.onBack} />
      <h3 className="mlops-detail-title" title={props.tooltip ?? props.title}>
        {props.title}
      </h3>
      {props.count && <span className="mlops-count">{props.count}</span>}
      {props.children}
    </div>
  );
}
