import { findBrowser } from '../../src/render/index.js';

/** Is a Chromium there for PDF tests? (.ci/run installs one; a developer machine may lack it.) */
export function hasBrowser(): boolean {
  try {
    findBrowser();
    return true;
  } catch {
    return false;
  }
}
