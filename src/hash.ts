/**
 * Small non-cryptographic 32-bit hashes, pure and dependency-free so that every layer may use them: the simulator's
 * seeded values (simulator/prng.ts), the collector's duplicate-key hashes (collector/seen-keys.ts) and the
 * analysis' failure buckets (metrics/reports.ts). Their values are part of what the simulator serves: do not change.
 */

/** murmur3's 32-bit finaliser. It is a bijection on uint32. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units (the first `limit` of them, when given). */
export function fnv1a(s: string, limit = s.length): number {
  let h = 0x811c9dc5;
  const n = Math.min(s.length, limit);
  for (let k = 0; k < n; k++) {
    h ^= s.charCodeAt(k);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
