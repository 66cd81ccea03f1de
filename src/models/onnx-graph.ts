/**
 * Builds ONNX graphs with onnx-proto (onnx.proto's generated protobufjs classes): nodes with
 * typed attributes, float32 / int64 initializers stored inline (raw_data, little-endian), and
 * graph inputs and outputs with a symbolic batch dimension. The result is one self-contained
 * file: no external data, opset 13 (ONNX Runtime and onnx 1.12's checker both take it).
 */
import { onnx } from './onnx-file.js';

export const OPSET = 13;
/** IR version 7 is the one released with opset 13. */
export const IR_VERSION = 7;

const FLOAT = 1;
const INT64 = 7;
const DOUBLE = 11;

export type AttributeValue = number | number[] | string | { floats: number[] } | { float: number };

export interface ValueInfo {
  name: string;
  /** null: the symbolic batch dimension "N"; a string: another symbolic dimension. */
  dims: (number | string | null)[];
  elemType?: 'float32' | 'int64';
}

export class OnnxGraph {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private used = new Set<string>();

  /** A fresh tensor name starting with `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; numbers and number lists are INT / INTS, `{ float }` FLOAT, `{ floats }` FLOATS, strings STRING. */
  node(opType: string, inputs: string[], outputs: number | string[], attrs: Record<string, AttributeValue | undefined> = {}, name?: string): string[] {
    const outs = typeof outputs === 'number'
      ? Array.from({ length: outputs }, (_, i) => this.fresh(`${name ?? opType.toLowerCase()}${outputs > 1 ? `_out${i}` : ''}`))
      : outputs.map((o) => (this.used.add(o), o)); // names the caller chose (reserved first)
    const attribute = Object.entries(attrs).filter(([, v]) => v !== undefined).map(([k, v]) => attributeOf(k, v!));
    this.nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: outs, attribute, name: this.fresh(`${name ?? opType}_node`) }));
    return outs;
  }

  /** One-output node. */
  op(opType: string, inputs: string[], attrs: Record<string, AttributeValue | undefined> = {}, name?: string): string {
    return this.node(opType, inputs, 1, attrs, name)[0];
  }

  floats(name: string, dims: number[], values: ArrayLike<number>): string {
    return this.initializer(name, dims, Float32Array.from(values), FLOAT);
  }

  /** A float64 initializer (for arithmetic kept in double precision, e.g. a DFT basis). */
  doubles(name: string, dims: number[], values: ArrayLike<number>): string {
    return this.initializer(name, dims, Float64Array.from(values), DOUBLE);
  }

  int64s(name: string, values: number[]): string {
    return this.initializer(name, [values.length], BigInt64Array.from(values.map((v) => BigInt(v))), INT64);
  }

  scalar(name: string, value: number): string {
    return this.initializer(name, [], Float32Array.of(value), FLOAT);
  }

  /** An initializer of `dims` holding `data` as raw little-endian bytes (ONNX's raw_data). */
  private initializer(name: string, dims: number[], data: Float32Array | Float64Array | BigInt64Array, dataType: number): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`initializer ${name}: ${data.length} values for dims [${dims}]`);
    const tensorName = this.fresh(name);
    this.initializers.push(onnx.TensorProto.create({
      name: tensorName, dims, dataType, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    }));
    return tensorName;
  }

  reserve(name: string): void {
    this.used.add(name);
  }

  /** The encoded model. */
  encode(name: string, inputs: ValueInfo[], outputs: ValueInfo[], docString = ''): Uint8Array {
    const graph = onnx.GraphProto.create({
      name,
      node: this.nodes,
      initializer: this.initializers,
      input: inputs.map(valueInfo),
      output: outputs.map(valueInfo),
    });
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: OPSET })],
      producerName: 'podium',
      docString,
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function attributeOf(name: string, v: AttributeValue): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v });
  if (typeof v === 'object' && 'floats' in v) return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: v.floats });
  if (typeof v === 'object') return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.float });
  if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer (write { float: ${v} })`);
  return onnx.AttributeProto.create({ name, type: T.INT, i: v });
}

function valueInfo(v: ValueInfo): InstanceType<typeof onnx.ValueInfoProto> {
  const dim = v.dims.map((d) => onnx.TensorShapeProto.Dimension.create(d === null ? { dimParam: 'N' } : typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return onnx.ValueInfoProto.create({
    name: v.name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({ elemType: v.elemType === 'int64' ? INT64 : FLOAT, shape: onnx.TensorShapeProto.create({ dim }) }),
    }),
  });
}
