/**
 * A growable byte buffer that strings are UTF-8 encoded into as they come, so that the many small strings of a
 * large output (one line per affected user) are never joined into big intermediate strings first.
 */
export class ByteBuffer {
  private buf: Buffer;
  length = 0;

  constructor(
    private readonly initial = 64 * 1024,
    private readonly pool: BufferPool | null = null,
  ) {
    this.buf = this.alloc(initial);
  }

  append(s: string): void {
    const max = s.length * 3; // UTF-16 code unit → at most 3 UTF-8 bytes
    if (this.length + max > this.buf.length) this.grow(this.length + max);
    this.length += this.buf.write(s, this.length, 'utf8');
  }

  /** Appends bytes [start, end) of another ByteBuffer. */
  appendFrom(src: ByteBuffer, start: number, end: number): void {
    if (this.length + (end - start) > this.buf.length) this.grow(this.length + (end - start));
    this.length += src.buf.copy(this.buf, this.length, start, end);
  }

  /**
   * The bytes so far; the buffer starts again empty, on other memory (the returned bytes may still be in use: give
   * them back to the pool, if there is one, once they are not).
   */
  take(): Buffer {
    const out = this.buf.subarray(0, this.length);
    this.buf = this.alloc(Math.max(this.initial, Math.min(this.buf.length, 4 << 20)));
    this.length = 0;
    return out;
  }

  private grow(needed: number): void {
    const next = this.alloc(Math.max(needed, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.length);
    this.pool?.put(this.buf);
    this.buf = next;
  }

  private alloc(size: number): Buffer {
    return this.pool ? this.pool.get(size) : Buffer.allocUnsafe(size);
  }
}

/**
 * Buffers whose bytes have been written, for ByteBuffers to fill again instead of allocating new ones. A large
 * output allocating a fresh buffer per cohort per flush (tens of MB a second at 10 M users) made V8 run a full
 * garbage collection several times a second to free them; reusing them keeps the analysis' heap quiet. At most
 * `capacity` bytes are kept.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private kept = 0;

  constructor(private readonly capacity = 16 << 20) {}

  /** A buffer of at least `size` bytes (its contents are garbage): the smallest free one that fits, else a new one. */
  get(size: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const n = this.free[i]!.byteLength;
      if (n >= size && (best < 0 || n < this.free[best]!.byteLength)) best = i;
    }
    if (best < 0) return Buffer.allocUnsafeSlow(size);
    const [ab] = this.free.splice(best, 1);
    this.kept -= ab!.byteLength;
    return Buffer.from(ab!);
  }

  /** Gives back a buffer from get() (or a view at its start) that nothing uses any more. */
  put(view: Buffer): void {
    const ab = view.buffer;
    if (view.byteOffset !== 0 || !(ab instanceof ArrayBuffer) || this.kept + ab.byteLength > this.capacity) return;
    if (this.free.includes(ab)) return;
    this.free.push(ab);
    this.kept += ab.byteLength;
  }
}
