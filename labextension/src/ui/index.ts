/**
 * The sidebar's UI kit: what every tab builds its views from. A tab imports from here (and
 * from the shared `client`, `format`, `charts`), never from another tab's folder.
 */
export { ActionFeedback, ErrorText, errorText } from './errors';
export { showLoadError, useLoad } from './load';
export type { ILoadOptions, ILoaded } from './load';
export { BackButton, DetailHeader } from './navigation';
export { FAST_MS, SLOW_MS } from './polling';
export { ClickableRow, KeyValueTable } from './table';
