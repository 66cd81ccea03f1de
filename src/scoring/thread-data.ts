/**
 * Plain data crossing between threads without copies. `postMessage` and `workerData` copy every
 * typed array (structured clone: written into the message, read out again on the other side):
 * - `shareTypedArrays(context)` moves a context's large typed arrays onto SharedArrayBuffers
 *   once, so every scoring thread reads the same memory (the truth, the detections) and a second
 *   thread no longer costs a copy of them;
 * - `transferList(reply)` names the buffers a finished shard may hand over with its states and
 *   items, so they arrive as they are instead of being copied (the sender must not use them again).
 * Identity is kept: an object met twice (a chunk shared by several items) is converted once.
 * A reader that makes large arrays can put them on `shareableMemory` from the start; sharing them
 * then copies nothing.
 */

/** Smaller arrays are copied: sharing them saves less than the SharedArrayBuffer costs. */
const SHARE_FROM_BYTES = 1 << 16;

/** Storage for a typed array of `bytes` bytes: shared memory when it is large enough to be shared. */
export function shareableMemory(bytes: number): ArrayBuffer | SharedArrayBuffer {
  return bytes >= SHARE_FROM_BYTES ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

type TypedArray = Exclude<ArrayBufferView, DataView>;
type TypedArrayConstructor = new (buffer: ArrayBufferLike) => TypedArray;

const isTypedArray = (v: unknown): v is TypedArray => ArrayBuffer.isView(v) && !(v instanceof DataView);
const isPlainObject = (v: object): v is Record<string, unknown> => Object.getPrototypeOf(v) === Object.prototype;

/** A copy of `value` whose typed arrays of 64 KiB and more live on SharedArrayBuffers (same types and contents). */
export function shareTypedArrays<T>(value: T): T {
  const done = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (done.has(v)) return done.get(v);
    if (isTypedArray(v)) {
      const out = v.buffer instanceof SharedArrayBuffer || v.byteLength < SHARE_FROM_BYTES ? v : onSharedMemory(v);
      done.set(v, out);
      return out;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      done.set(v, out);
      for (const x of v) out.push(walk(x));
      return out;
    }
    if (!isPlainObject(v)) return v;
    const out: Record<string, unknown> = {};
    done.set(v, out);
    for (const [k, x] of Object.entries(v)) out[k] = walk(x);
    return out;
  };
  return walk(value) as T;
}

function onSharedMemory(v: TypedArray): TypedArray {
  const memory = new SharedArrayBuffer(v.byteLength);
  new Uint8Array(memory).set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return Buffer.isBuffer(v) ? Buffer.from(memory) : new (v.constructor as TypedArrayConstructor)(memory);
}

/**
 * The buffers of `value`'s typed arrays that can be transferred: each array that is the whole
 * of its own (not shared) buffer. Others (views into a larger buffer, Node's pooled Buffers) are
 * left to be copied.
 */
export function transferList(value: unknown): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (isTypedArray(v)) {
      const b = v.buffer;
      if (b instanceof ArrayBuffer && b.byteLength > 0 && v.byteOffset === 0 && v.byteLength === b.byteLength) buffers.add(b);
      return;
    }
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (isPlainObject(v)) for (const x of Object.values(v)) walk(x);
  };
  walk(value);
  return [...buffers];
}
