/** Errors and outcomes as the user reads them: one line of text, never a stack. */
import React from 'react';

import { ApiError } from '../client';

/** A readable one-line message for any error. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    return error.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

/** A view's load error (`data-testid="mlops-error"`), or nothing. */
export function ErrorText(props: { error: string | null }): React.ReactElement | null {
  return props.error ? (
    <div className="mlops-error-text" role="alert" data-testid="mlops-error">
      {props.error}
    </div>
  ) : null;
}

/**
 * The outcome of a user's action (promote, pause, shift traffic...): its error, or a notice.
 * `testid` names both: `<testid>-error` and `<testid>-notice`.
 */
export function ActionFeedback(props: {
  error: string | null;
  notice: string | null;
  testid?: string;
}): React.ReactElement {
  const testid = props.testid ?? 'mlops-action';
  return (
    <>
      {props.error && (
        <div className="mlops-error-text" role="alert" data-testid={`${testid}-error`}>
          {props.error}
        </div>
      )}
      {props.notice && (
        <div className="mlops-notice" role="status" data-testid={`${testid}-notice`}>
          {props.notice}
        </div>
      )}
    </>
  );
}
