/**
 * Membership tests against large sets of user ids, for the folds that look up every row of a report.
 *
 * A Set or Map of 100,000 ids (admins, role holders, users with repeated failures) is several MB of hash table; a
 * lookup of a fresh string (every row's id is one, from JSON.parse) misses the CPU caches, and at 10 M rows these
 * lookups were about a fifth of the analysis' CPU time (profile of the 10 M-user analysis, BENCHMARKS.md). A bitmap
 * of a cheap hash of each key, a few hundred kB, answers "certainly not here" for most rows; only the others go to
 * the tables. The answer is always the tables': the bitmap has no false negatives, and a false positive only costs
 * the lookups it would have cost anyway.
 */
import { fmix32, fnv1a } from '../hash.js';

/** Below this many keys the table itself stays in cache: no bitmap. */
const MIN_KEYS = 4096;
/** Characters hashed: ids (GUIDs) and UPNs differ within these. */
const HASHED_CHARS = 24;
/** Bits per key (about 1 in 16 of the bits set: about 6 % of absent keys reach the table). */
const BITS_PER_KEY = 16;
const MAX_BITS = 1 << 24; // 2 MB

function keyHash(s: string): number {
  return fmix32(fnv1a(s, HASHED_CHARS) ^ s.length);
}

class Bitmap {
  private readonly words: Int32Array;
  private readonly mask: number;

  constructor(sources: readonly Iterable<string>[], size: number) {
    let bits = 1 << 10;
    while (bits < size * BITS_PER_KEY && bits < MAX_BITS) bits *= 2;
    this.words = new Int32Array(bits >>> 5);
    this.mask = bits - 1;
    for (const keys of sources) {
      for (const k of keys) {
        const b = keyHash(k) & this.mask;
        this.words[b >>> 5]! |= 1 << (b & 31);
      }
    }
  }

  mayHave(key: string): boolean {
    const b = keyHash(key) & this.mask;
    return (this.words[b >>> 5]! & (1 << (b & 31))) !== 0;
  }
}

type Keys = ReadonlySet<string> | ReadonlyMap<string, unknown> | readonly string[];

/**
 * `mayHave(key)`: false only when the key is in none of the collections (then no lookup is needed in any of
 * them); true otherwise, and always when they are small. One bitmap for all the collections one row is looked up
 * in, so that a row costs one probe, not one per collection. The collections must not change afterwards.
 */
export function keyFilter(...collections: Keys[]): (key: string) => boolean {
  const size = collections.reduce((n, c) => n + ('size' in c ? c.size : c.length), 0);
  if (size < MIN_KEYS) return () => true;
  const bitmap = new Bitmap(
    collections.map((c) => (c instanceof Map ? c.keys() : (c as Iterable<string>))),
    size,
  );
  return (key) => bitmap.mayHave(key);
}
