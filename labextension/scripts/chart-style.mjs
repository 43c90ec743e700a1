// Writes src/ui/chart-style.ts from jupyter_mlops/render/chart_style.json, the one chart palette
// and point cap that the Python charts read too. `--check` only compares, and fails when stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, '..', '..', 'jupyter_mlops', 'render', 'chart_style.json');
const target = join(here, '..', 'src', 'ui', 'chart-style.ts');

const style = JSON.parse(readFileSync(source, 'utf8'));
if (!Array.isArray(style.palette) || !style.palette.every(c => typeof c === 'string') || !Number.isInteger(style.max_points)) {
  console.error(`${source}: needs "palette" (a list of colours) and "max_points" (an integer)`);
  process.exit(1);
}
const text = [
  '// Generated from jupyter_mlops/render/chart_style.json by `jlpm build:style`: edit that file, not this one.',
  '',
  '/** The one chart palette, in series order; the Python charts use the same. */',
  'export const PALETTE: readonly string[] = [',
  ...style.palette.map((colour, i) => `  '${colour.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'${i < style.palette.length - 1 ? ',' : ''}`),
  '];',
  '',
  '/** Points drawn at most per series; longer series are thinned evenly (first and last kept). */',
  `export const MAX_POINTS = ${style.max_points};`,
  ''
].join('\n');

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = '';
  }
  if (current !== text) {
    console.error(`${target} is stale: run \`jlpm build:style\``);
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
