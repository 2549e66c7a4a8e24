/**
 * A growable byte buffer that strings are UTF-8 encoded into as they come, so that the many small strings of a
 * large output (one line per affected user) are never joined into big intermediate strings first.
 */
export class ByteBuffer {
  private buf: Buffer;
  length = 0;

  constructor(private readonly initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
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

  /** The bytes so far; the buffer starts again empty, on new memory (the returned bytes may still be in use). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.length);
    this.buf = Buffer.allocUnsafe(Math.max(this.initial, Math.min(this.buf.length, 4 << 20)));
    this.length = 0;
    return out;
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}
