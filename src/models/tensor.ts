/**
 * Tensors as they cross the sandbox boundary: name, dtype, dims and the raw little-endian
 * bytes, described in a frame header and concatenated in its payload (sandbox/frames.ts).
 */
export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'int8' | 'bool';

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

export interface HostTensor {
  dtype: DType;
  dims: number[];
  data: TensorData;
}

export interface TensorSpec {
  name: string;
  dtype: DType;
  dims: number[];
  byteLength: number;
}

const CTORS: Record<DType, { new (b: ArrayBuffer, o: number, n: number): TensorData; BYTES_PER_ELEMENT: number }> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, int8: Int8Array, bool: Uint8Array,
};

export function isDType(s: string): s is DType {
  return s in CTORS;
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function encodeTensors(tensors: Record<string, HostTensor>): { specs: TensorSpec[]; parts: Uint8Array[] } {
  const specs: TensorSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    specs.push({ name, dtype: t.dtype, dims: t.dims, byteLength: bytes.byteLength });
    parts.push(bytes);
  }
  return { specs, parts };
}

/** Decodes tensors from a payload; checks every length against its dims (the sender may be hostile). */
export function decodeTensors(specs: unknown, payload: Buffer): Record<string, HostTensor> {
  if (!Array.isArray(specs)) throw new Error('tensor list missing');
  const out: Record<string, HostTensor> = {};
  let offset = 0;
  for (const s of specs as TensorSpec[]) {
    if (!s || typeof s.name !== 'string' || !isDType(s.dtype) || !Array.isArray(s.dims) || !s.dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error('malformed tensor description');
    }
    const ctor = CTORS[s.dtype];
    const n = elementCount(s.dims);
    if (n * ctor.BYTES_PER_ELEMENT !== s.byteLength || offset + s.byteLength > payload.length) {
      throw new Error(`tensor "${s.name}": ${s.byteLength} bytes do not match dims [${s.dims.join(', ')}] of ${s.dtype}`);
    }
    // Copy into an aligned buffer: typed arrays need element-aligned offsets.
    const buf = new ArrayBuffer(s.byteLength);
    new Uint8Array(buf).set(payload.subarray(offset, offset + s.byteLength));
    out[s.name] = { dtype: s.dtype, dims: s.dims, data: new ctor(buf, 0, n) };
    offset += s.byteLength;
  }
  return out;
}
