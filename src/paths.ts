import { isAbsolute, relative } from 'node:path';

/**
 * Is `path` strictly inside the folder `root` (both resolved)? The one test behind every "a file named in the
 * input must stay inside its folder" rule: sidecars and worklists (render, verify), template assets, redaction
 * mapping files.
 */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
