/**
 * Turning the notebook path a run recorded (often absolute: the kernel's JPY_SESSION_NAME)
 * into a path the Jupyter contents API understands (relative to the server root).
 */

/** Home-folder prefixes, for a server root JupyterLab reports as "~/...". */
const HOME_PREFIX = '(?:/root|/home/[^/]+|/Users/[^/]+|[A-Za-z]:/Users/[^/]+)';

function clean(path: string): string {
  return path.replace(/\\/g, '/').replace(/\/+$/, '');
}

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:\//.test(path);
}

/**
 * Candidate contents-API paths for a recorded notebook path, best first.
 * `serverRoot` is PageConfig's `serverRoot` (absolute, or "~"-relative when under the home folder).
 * Returns an empty list when the notebook is certainly outside the server root.
 */
export function notebookCandidates(recorded: string, serverRoot: string): string[] {
  const path = clean(recorded.trim());
  if (!path) {
    return [];
  }
  if (!isAbsolute(path)) {
    return [path.replace(/^\.\//, '')];
  }
  if (/^(\/|[A-Za-z]:\/?)$/.test((serverRoot || '').replace(/\\/g, '/'))) {
    return [path.replace(/^(\/|[A-Za-z]:\/)/, '')]; // the server root is the filesystem root
  }
  const root = clean(serverRoot || '');
  if (root && isAbsolute(root)) {
    return path.startsWith(root + '/') ? [path.slice(root.length + 1)] : [];
  }
  if (root === '~' || root.startsWith('~/')) {
    // The root is under a home folder we cannot see from the browser: find it in the path.
    const tail = root.slice(1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); // "" or "/proj", escaped
    const match = new RegExp(`^${HOME_PREFIX}${tail}/(.+)$`).exec(path);
    return match ? [match[1]] : [];
  }
  return [];
}
