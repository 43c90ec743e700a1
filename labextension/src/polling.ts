/**
 * Refreshing while the panel is visible: a load function says how long to wait before the
 * next load (2 s while runs are logging, 10 s otherwise, null to stop). Polling pauses while
 * the panel is hidden or the browser tab is in the background, and reloads at once when the
 * panel is shown again or any dependency changes.
 */
import { useEffect, useRef } from 'react';

/** While some run on screen is running. */
export const FAST_MS = 2000;
/** Otherwise: new runs still appear without a manual refresh. */
export const SLOW_MS = 10000;

/**
 * `load(isCurrent)` fetches and sets state (only while `isCurrent()` is true, so an answer
 * that arrives after the query changed is dropped) and returns the next delay in ms, or null.
 */
export function usePolling(
  load: (isCurrent: () => boolean) => Promise<number | null>,
  visible: boolean,
  deps: ReadonlyArray<unknown>
): void {
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    if (!visible) {
      return;
    }
    let stopped = false;
    let timer: number | undefined = undefined;
    const isCurrent = () => !stopped;
    const tick = async () => {
      if (stopped) {
        return;
      }
      if (typeof document !== 'undefined' && document.hidden) {
        timer = window.setTimeout(tick, 1000);
        return;
      }
      let next: number | null;
      try {
        next = await loadRef.current(isCurrent);
      } catch {
        next = SLOW_MS;
      }
      if (!stopped && next !== null) {
        timer = window.setTimeout(tick, next);
      }
    };
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [visible, ...deps]);
}
