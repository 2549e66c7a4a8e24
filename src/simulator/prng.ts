/**
 * Integer hashing and a small PRNG for the synthetic tenant.
 *
 * Every synthetic value is a pure function of (seed, stream, index): a row is regenerated on demand instead of
 * being stored, so a 1,000,000-user tenant costs no memory (see tenant.ts).
 */

import { fmix32, fnv1a } from '../hash.js';

/** murmur3's 32-bit finaliser. It is a bijection on uint32, which is what makes the ids below unique. */
export const mix32 = fmix32;

/** FNV-1a over UTF-16 code units: a stable hash for short strings (stream salts, skiptoken binding). */
export const hashString = fnv1a;

/** Key of an independent stream: users, names, events … each use their own salt so they never correlate. */
export function streamKey(seed: number, salt: string): number {
  return mix32(seed ^ hashString(salt));
}

/** A uniform [0, 1) generator (mulberry32) seeded by (stream key, index). */
export type Rng = () => number;

export function rngFor(key: number, index: number): Rng {
  let state = mix32((key + Math.imul(index, 0x9e3779b9)) >>> 0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks an element with probability proportional to its weight. */
export function weighted<T>(rng: Rng, table: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, w] of table) total += w;
  let r = rng() * total;
  for (const [value, w] of table) {
    r -= w;
    if (r < 0) return value;
  }
  const last = table[table.length - 1];
  if (!last) throw new Error('weighted(): empty table');
  return last[0];
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick(): empty list');
  return item;
}

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/**
 * A version-4-shaped UUID for element `index` of a stream. The first group is mix32(index XOR key), a bijection
 * of the index, so ids are unique for every index below 2^32 whatever the other groups hold.
 */
export function uuidFor(key: number, index: number): string {
  const rng = rngFor(key ^ 0x5bd1e995, index);
  const a = hex8(mix32((index ^ key) >>> 0));
  const b = hex8(Math.floor(rng() * 4294967296));
  const c = hex8(Math.floor(rng() * 4294967296));
  const d = hex8(Math.floor(rng() * 4294967296));
  const variant = ((parseInt(c[0] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
}
