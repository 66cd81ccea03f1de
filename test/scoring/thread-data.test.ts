/** Plain data crossing threads without copies (src/scoring/thread-data.ts). */
import { describe, expect, it } from 'vitest';
import { shareTypedArrays, transferList } from '../../src/scoring/thread-data.js';

describe('shareTypedArrays', () => {
  it('moves large typed arrays to shared memory with their type and values; small ones and other values stay', () => {
    const big = Float64Array.from({ length: 20_000 }, (_, i) => i / 7);
    const ids = Uint32Array.from({ length: 40_000 }, (_, i) => i * 3);
    const small = Int16Array.of(1, -2, 3);
    const bytes = Buffer.alloc(100_000, 7);
    const map = new Map([[1, 2]]);
    const context = { truth: { box: big, ids }, again: big, small, bytes, names: ['a', 'b'], n: 3, map, none: null };
    const shared = shareTypedArrays(context);
    expect(shared.truth.box).toBeInstanceOf(Float64Array);
    expect(shared.truth.box.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(shared.truth.box)).toEqual(Array.from(big));
    expect(shared.truth.ids.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(shared.truth.ids)).toEqual(Array.from(ids));
    // One array met twice is moved once.
    expect(shared.again).toBe(shared.truth.box);
    expect(Buffer.isBuffer(shared.bytes)).toBe(true);
    expect(shared.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.bytes.equals(bytes)).toBe(true);
    expect(shared.small).toBe(small);
    expect(shared.map).toBe(map);
    expect(shared.names).toEqual(['a', 'b']);
    expect([shared.n, shared.none]).toEqual([3, null]);
    // The input is left as it was; sharing again changes nothing.
    expect(context.truth.box.buffer).toBeInstanceOf(ArrayBuffer);
    expect(shareTypedArrays(shared).truth.box).toBe(shared.truth.box);
  });

  it('a view into a larger buffer is shared as its own elements only', () => {
    const whole = Float64Array.from({ length: 30_000 }, (_, i) => i);
    const view = whole.subarray(10_000, 25_000);
    const shared = shareTypedArrays({ view });
    expect(shared.view.length).toBe(15_000);
    expect(shared.view.byteOffset).toBe(0);
    expect(shared.view[0]).toBe(10_000);
    expect(shared.view[14_999]).toBe(24_999);
  });
});

describe('transferList', () => {
  it('lists each whole own buffer once, never views into larger buffers or shared memory', () => {
    const a = new Float64Array(8);
    const b = new Uint8Array(16);
    const view = new Uint32Array(new ArrayBuffer(64), 8, 4);
    const onShared = new Int32Array(new SharedArrayBuffer(16));
    const chunk = { a, b };
    const list = transferList({ states: [{ chunks: [chunk] }, { chunks: [chunk] }], items: [chunk, { view, onShared }], empty: new Float64Array(0) });
    expect(list).toHaveLength(2);
    expect(list).toContain(a.buffer);
    expect(list).toContain(b.buffer);
  });

  it('a message sent with it arrives equal, one object for one shared object, and the sender lets go of the buffers', () => {
    const chunk = { score: Float64Array.of(0.5, -0, Number.NaN), status: Uint32Array.of(1, 2, 3) };
    const message = { states: [{ chunks: [chunk], picks: [[0, 1]] }, { chunks: [chunk], picks: [[2]] }] };
    const copy = structuredClone(message, { transfer: transferList(message) });
    expect(copy.states[0]!.chunks[0]).toBe(copy.states[1]!.chunks[0]);
    expect(Array.from(copy.states[0]!.chunks[0]!.score)).toEqual([0.5, -0, Number.NaN]);
    expect(Array.from(copy.states[1]!.chunks[0]!.status)).toEqual([1, 2, 3]);
    expect(copy.states[1]!.picks).toEqual([[2]]);
    expect(chunk.score.length).toBe(0);
  });
});
