import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * The real path of `path` (absolute, every symbolic link resolved). A path that does not exist yet (a file about to
 * be written) is the real path of its nearest existing folder with the rest appended: where the file would land.
 */
export function realPathOf(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync.native(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const parent = dirname(abs);
    // ENOENT/ENOTDIR: not there (yet); anything else (a loop, no permission) is judged where it stands
    if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === abs) return abs;
    return join(realPathOf(parent), basename(abs));
  }
}

/** Is `path` strictly inside `root`, comparing the two paths as written (resolved, symbolic links not followed)? */
export function isInsideLexically(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Is `path` strictly inside the folder `root`, both by their real paths? The one test behind every "a file named in
 * the input must stay inside its folder" rule: sidecars and worklists (render, verify), template assets, redaction
 * mapping files. Real paths, because a symbolic link inside the folder (templates/logo.png -> /etc/passwd, or a
 * linked sub-folder) would otherwise bring any readable file into the pack, or put a file inside it.
 */
export function isInside(root: string, path: string): boolean {
  return isInsideLexically(realPathOf(root), realPathOf(path));
}
