/**
 * The null model of the harness floor: one Shape node per contract input (it takes every input
 * the contract feeds and returns a few integers each, so no output copy is billed to the
 * floor), built here with
 * onnx-proto and run through exactly the path and session settings an entry gets (feeds in,
 * session.run, outputs read back), so the floor is everything that is not the model.
 */
import { onnx } from './onnx-file.js';

const ELEM: Record<string, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float64: 11 };

export interface NullInput {
  name: string;
  dtype: string;
  rank: number;
}

export function identityModel(inputs: readonly NullInput[]): Uint8Array {
  const tensorType = (dtype: string, rank: number) => {
    const shape = onnx.TensorShapeProto.create({ dim: Array.from({ length: rank }, (_, i) => onnx.TensorShapeProto.Dimension.create({ dimParam: `d${i}` })) });
    return onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: ELEM[dtype] ?? 1, shape }) });
  };
  const int64 = onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: 7 }) });
  const graph = onnx.GraphProto.create({
    name: 'null',
    node: inputs.map((x, i) => onnx.NodeProto.create({ opType: 'Shape', input: [x.name], output: [`shape_${i}`] })),
    input: inputs.map((x) => onnx.ValueInfoProto.create({ name: x.name, type: tensorType(x.dtype, x.rank) })),
    output: inputs.map((_, i) => onnx.ValueInfoProto.create({ name: `shape_${i}`, type: int64 })),
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 13 })], graph, producerName: 'podium' });
  return onnx.ModelProto.encode(model).finish();
}
