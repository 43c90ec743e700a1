/** The sidebar icon: axes with a rising training curve. `jp-icon3` makes it follow the theme. */
import { LabIcon } from '@jupyterlab/ui-components';

const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 3h2v16h16v2H3z"/>
    <path d="M7.2 16.4l4-4.9 3.3 2.8 4.3-6.2 1.6 1.1-5.5 7.9-3.3-2.8-2.9 3.4z"/>
    <circle cx="19.6" cy="6.2" r="1.7"/>
  </g>
</svg>`;

export const mlopsIcon = new LabIcon({ name: 'jupyter-mlops:icon', svgstr });
