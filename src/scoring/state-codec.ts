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

function toPlain(v: unknown, where: string): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (Number.isFinite(v) && !Object.is(v, -0)) return v;
    return { [TAG]: 'number', value: String(Object.is(v, -0) ? '-0' : v) };
  }
  if (isTyped(v)) {
    const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return { [TAG]: v.constructor.name, data: bytes.toString('base64') };
  }
  if (Array.isArray(v)) return v.map((x, i) => toPlain(x, `${where}[${i}]`));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toPlain(x, `${where}.${k}`);
    return out;
  }
  throw new TypeError(`state-codec: ${where} is a ${(v as object)?.constructor?.name ?? typeof v}; states hold numbers, strings, arrays, plain objects and typed arrays only`);
}

function fromPlain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(fromPlain);
  const o = v as Record<string, unknown>;
  const tag = o[TAG];
  if (typeof tag === 'string') {
    if (tag === 'number') return o.value === '-0' ? -0 : Number(o.value);
    const Ctor = TYPED[tag as TypedName];
    if (!Ctor) throw new TypeError(`state-codec: unknown typed array ${tag}`);
    const bytes = Buffer.from(String(o.data), 'base64');
    // Copied into a fresh, aligned buffer (a Buffer's offset need not be a multiple of 8).
    const aligned = new ArrayBuffer(bytes.length);
    new Uint8Array(aligned).set(bytes);
    return new Ctor(aligned);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = fromPlain(x);
  return out;
}

/** A state (or item) as text; throws for anything a state may not hold. */
export function encodeState(state: unknown): string {
  return JSON.stringify(toPlain(state, 'state'));
}

export function decodeState<State>(text: string): State {
  return fromPlain(JSON.parse(text)) as State;
}
