import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferPool, ByteBuffer } from '../../src/engine/byte-buffer.js';

describe('ByteBuffer with a BufferPool', () => {
  it('gives the same bytes as UTF-8 encoding the strings, with or without a pool, across takes and growth', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ maxLength: 300, unit: 'grapheme' }), { maxLength: 30 }), { maxLength: 8 }), (batches) => {
        const pool = new BufferPool(1 << 20);
        const pooled = new ByteBuffer(16, pool);
        const plain = new ByteBuffer(16);
        for (const batch of batches) {
          for (const s of batch) {
            pooled.append(s);
            plain.append(s);
          }
          const a = pooled.take();
          const b = plain.take();
          const want = Buffer.from(batch.join(''), 'utf8');
          expect(Buffer.compare(a, want)).toBe(0);
          expect(Buffer.compare(b, want)).toBe(0);
          pool.put(a); // written: its memory may be filled again
        }
      }),
    );
  });

  it('hands a given-back buffer out again instead of allocating, and keeps no more than its capacity', () => {
    const pool = new BufferPool(3000);
    const a = pool.get(1000);
    const b = pool.get(1500);
    pool.put(a);
    pool.put(b);
    pool.put(a); // twice: kept once
    expect(pool.get(1200).buffer).toBe(b.buffer); // the smallest that fits
    expect(pool.get(900).buffer).toBe(a.buffer);
    expect(pool.get(900).buffer).not.toBe(a.buffer); // empty again: a new one
    pool.put(Buffer.allocUnsafeSlow(2000));
    pool.put(Buffer.allocUnsafeSlow(2000)); // over capacity: not kept
    const c = pool.get(10);
    expect(c.length).toBe(2000);
    expect(pool.get(10).length).toBe(10);
  });

  it('does not keep a view that does not start its memory (it may share it with other data)', () => {
    const pool = new BufferPool();
    const whole = Buffer.allocUnsafeSlow(4096);
    pool.put(whole.subarray(100));
    expect(pool.get(1000).buffer).not.toBe(whole.buffer);
  });
});
