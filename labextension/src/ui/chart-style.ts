// Generated from jupyter_mlops/render/chart_style.json by `jlpm build:style`: edit that file, not this one.

/** The one chart palette, in series order; the Python charts use the same. */
export const PALETTE: readonly string[] = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac'
];

/** Points drawn at most per series; longer series are thinned evenly (first and last kept). */
export const MAX_POINTS = 1000;
