/**
 * The one way a view loads its data: `useLoad` polls while the tab is visible, keeps the last
 * answer, and turns a failure into text (or hands a missing server extension to the sidebar).
 *
 * @example
 *   const { data, error } = useLoad(() => listModels(), context, [], () => SLOW_MS, SLOW_MS);
 */
import { useState } from 'react';

import { ServerExtensionMissing } from '../client';
import type { ITabContext } from '../tab';
import { errorText } from './errors';
import { usePolling } from './polling';

/** Beyond the positional arguments: rarely needed. */
export interface ILoadOptions {
  /** False pauses loading as a hidden panel does (say, while another view of the tab is shown). */
  active?: boolean;
  /** A view's own reading of an error; true when it handled it (then the error text stays as it was). */
  onError?(reason: unknown): boolean;
}

export interface ILoaded<T> {
  data: T | null;
  error: string | null;
  /** For an answer that arrived another way (a request the user made), shown in place of the last load. */
  setData: (update: T | null | ((current: T | null) => T | null)) => void;
  setError: (error: string | null) => void;
}

/**
 * A failed load: when the server extension is missing, tell the sidebar (it shows its own state);
 * otherwise show the message in the view. True when the error is shown in the view.
 */
export function showLoadError(reason: unknown, context: ITabContext, setError: (message: string) => void): boolean {
  if (reason instanceof ServerExtensionMissing) {
    context.reportError(reason);
    return false;
  }
  setError(errorText(reason));
  return true;
}

/**
 * Load with `usePolling` while the tab is visible: `next(answer)` says when to load again
 * (ms, or null for never). A missing server extension goes to the sidebar and stops; other
 * errors are returned as text and retried after `retry` ms (null: not retried).
 */
export function useLoad<T>(
  load: () => Promise<T>,
  context: ITabContext,
  deps: ReadonlyArray<unknown>,
  next: (answer: T) => number | null,
  retry: number | null = null,
  options: ILoadOptions = {}
): ILoaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  usePolling(
    async isCurrent => {
      try {
        const answer = await load();
        if (!isCurrent()) {
          return null;
        }
        setData(answer);
        setError(null);
        return next(answer);
      } catch (reason) {
        if (!isCurrent()) {
          return null;
        }
        if (reason instanceof ServerExtensionMissing) {
          context.reportError(reason);
          return null;
        }
        if (!options.onError?.(reason)) {
          setError(errorText(reason));
        }
        return retry;
      }
    },
    context.visible && options.active !== false,
    [...deps, context.refreshToken]
  );
  return { data, error, setData, setError };
}
