/**
 * The registry of sidebar tabs, in display order. Each later feature adds one module
 * exporting an `ISidebarTab` (see `tab.ts`) and one line here.
 */
import { datasetsTab } from './datasets/tab';
import { driftTab } from './drift/tab';
import { experimentsTab } from './experiments/tab';
import { modelsTab } from './models/tab';
import { pipelinesTab } from './pipelines/tab';
import type { ISidebarTab } from './tab';

export const TABS: ISidebarTab[] = [experimentsTab, datasetsTab, modelsTab, driftTab, pipelinesTab];
