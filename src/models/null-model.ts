/**
 * The null model of the harness floor: one Shape node (it takes the contract's input and
 * returns a few integers, so no output copy is billed to the floor), built here with
 * onnx-proto and run through exactly the path and session settings an entry gets (feeds in,
 * session.run, outputs read back), so the floor is everything that is not the model.
 */
import { onnx } from './onnx-file.js';

const ELEM: Record<string, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float64: 11 };

export function identityModel(dtype: string, rank: number): Uint8Array {
  const elemType = ELEM[dtype] ?? 1;
  const shape = onnx.TensorShapeProto.create({ dim: Array.from({ length: rank }, (_, i) => onnx.TensorShapeProto.Dimension.create({ dimParam: `d${i}` })) });
  const type = onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType, shape }) });
  const graph = onnx.GraphProto.create({
    name: 'null',
    node: [onnx.NodeProto.create({ opType: 'Shape', input: ['x'], output: ['y'] })],
    input: [onnx.ValueInfoProto.create({ name: 'x', type })],
    output: [onnx.ValueInfoProto.create({ name: 'y', type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: 7 }) }) })],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 13 })], graph, producerName: 'podium' });
  return onnx.ModelProto.encode(model).finish();
}
