/**
 * One codec for every evaluator state (and every per-unit item): JSON with typed arrays tagged,
 * so a state crosses a thread, a process or a machine and comes back equal, bit for bit
 * (float64 values travel as their 8 bytes, base64). States are plain by contract
 * (src/evaluators/evaluator.ts): numbers, strings, booleans, null, arrays, objects, typed arrays.
 * Non-finite numbers and -0 travel tagged too, since JSON has no spelling for them.
 */

const TYPED = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array,
} as const;
type TypedName = keyof typeof TYPED;
type Typed = InstanceType<(typeof TYPED)[TypedName]>;

const TAG = '$podium';

function isTyped(v: unknown): v is Typed {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/**
 * An object met again (a matched chunk shared by many items and states) is written once, then as
 * a reference to its place in the order objects are first met: the text stays the size of the
 * data and decodes to one shared object again.
 */
function toPlain(v: unknown, where: string, seen: Map<object, number>): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (Number.isFinite(v) && !Object.is(v, -0)) return v;
    return { [TAG]: 'number', value: String(Object.is(v, -0) ? '-0' : v) };
  }
  if (typeof v === 'object') {
    const ref = seen.get(v);
    if (ref !== undefined) return { [TAG]: 'ref', ref };
    seen.set(v, seen.size);
  }
  if (isTyped(v)) {
    const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return { [TAG]: v.constructor.name, data: bytes.toString('base64') };
  }
  if (Array.isArray(v)) return v.map((x, i) => toPlain(x, `${where}[${i}]`, seen));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toPlain(x, `${where}.${k}`, seen);
    return out;
  }
  throw new TypeError(`state-codec: ${where} is a ${(v as object)?.constructor?.name ?? typeof v}; states hold numbers, strings, arrays, plain objects and typed arrays only`);
}

/** `met`: the decoded objects in the order they were first met (what a reference points into). */
function fromPlain(v: unknown, met: unknown[]): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    met.push(out);
    for (const x of v) out.push(fromPlain(x, met));
    return out;
  }
  const o = v as Record<string, unknown>;
  const tag = o[TAG];
  if (typeof tag === 'string') {
    if (tag === 'number') return o.value === '-0' ? -0 : Number(o.value);
    if (tag === 'ref') {
      const ref = Number(o.ref);
      if (!(Number.isInteger(ref) && ref >= 0 && ref < met.length)) throw new TypeError(`state-codec: reference ${String(o.ref)} to an object not read yet`);
      return met[ref];
    }
    const Ctor = TYPED[tag as TypedName];
    if (!Ctor) throw new TypeError(`state-codec: unknown typed array ${tag}`);
    const bytes = Buffer.from(String(o.data), 'base64');
    // Copied into a fresh, aligned buffer (a Buffer's offset need not be a multiple of 8).
    const aligned = new ArrayBuffer(bytes.length);
    new Uint8Array(aligned).set(bytes);
    const typed = new Ctor(aligned);
    met.push(typed);
    return typed;
  }
  const out: Record<string, unknown> = {};
  met.push(out);
  for (const [k, x] of Object.entries(o)) out[k] = fromPlain(x, met);
  return out;
}

/** A state (or item) as text; throws for anything a state may not hold. */
export function encodeState(state: unknown): string {
  return JSON.stringify(toPlain(state, 'state', new Map()));
}

export function decodeState<State>(text: string): State {
  return fromPlain(JSON.parse(text), []) as State;
}
