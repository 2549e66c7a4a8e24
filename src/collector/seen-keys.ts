/**
 * Remembers which row keys (ids) a source has written, in bounded memory: a 52-bit hash of each key in an
 * open-addressing table of doubles (16 MB at 1,000,000 keys, where a Set of the id strings took ~100 MB), plus the
 * exact keys of the last two pages. A hash hit outside those pages is confirmed against the file written so far,
 * so a hash collision never drops a row: a row is only called a duplicate when its key is really there.
 */
export class SeenKeys {
  private table = new Float64Array(1 << 16);
  private size = 0;
  private current = new Set<string>();
  private previous = new Set<string>();

  /** `confirm(key)` scans the rows written so far for the exact key (rare: real duplicates and ~1e-4 collisions). */
  constructor(private readonly confirm: (key: string) => Promise<boolean>) {}

  /** true when the key was seen before (a duplicate); otherwise records it. */
  async seen(key: string): Promise<boolean> {
    if (this.current.has(key) || this.previous.has(key)) return true;
    const h = hash52(key);
    if (this.lookup(h) && (await this.confirm(key))) return true;
    this.current.add(key);
    this.insert(h);
    return false;
  }

  /** Records a key known to be new (rebuilding state on resume). */
  remember(key: string): void {
    this.insert(hash52(key));
  }

  /** Call after each page: exact keys are kept for the last two pages only. */
  endPage(): void {
    this.previous = this.current;
    this.current = new Set();
  }

  private lookup(h: number): boolean {
    const mask = this.table.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = this.table[i]!;
      if (v === 0) return false;
      if (v === h) return true;
    }
  }

  private insert(h: number): void {
    if ((this.size + 1) * 2 > this.table.length) this.grow();
    const mask = this.table.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = this.table[i]!;
      if (v === h) return;
      if (v === 0) {
        this.table[i] = h;
        this.size++;
        return;
      }
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    this.size = 0;
    for (const v of old) if (v !== 0) this.insert(v);
  }
}

/** Two 32-bit FNV-1a variants combined into a non-zero 52-bit integer (exact in a double). */
export function hash52(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return ((a >>> 0) % 0x100000) * 0x100000000 + (b >>> 0) + 1;
}
