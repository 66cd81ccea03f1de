"""Builds the ONNX models the model-track tests run, with Debian's python3-onnx (an
implementation independent of podium's writer). Usage: make_models.py OUT_DIR [SIZE CLASSES]

  classifier.onnx   NHWC float32 [N,S,S,3] -> mean colour per image -> [N,C] scores (MatMul + Add)
  conv.onnx         NCHW conv 3->8 k3 s1 pad 1 on [1,3,8,8], Relu, 1x1 conv 8->4: known cost
  loop.onnx         a Loop whose trip count is 2^62 and whose condition stays true (never ends)
  memhog.onnx       Expand of the input to [2^31, 16] float32 (128 GiB)
  bigout.onnx       ConstantOfShape [268435456] float32: 1 GiB of output
  external.onnx     an initializer whose data is "external" at ../../../../etc/passwd
  truncated.onnx    the first half of classifier.onnx
"""
import sys
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

out = sys.argv[1]
size = int(sys.argv[2]) if len(sys.argv) > 2 else 32
classes = int(sys.argv[3]) if len(sys.argv) > 3 else 10
rng = np.random.default_rng(7)

def save(graph, name, opset=13):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)], producer_name='podium-tests')
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, f'{out}/{name}')
    return m

# classifier: mean over H, W of NHWC -> [N,3] -> MatMul [3,C] + bias
x = helper.make_tensor_value_info('image', TensorProto.FLOAT, ['N', size, size, 3])
y = helper.make_tensor_value_info('scores', TensorProto.FLOAT, ['N', classes])
w = numpy_helper.from_array(rng.standard_normal((3, classes)).astype(np.float32), 'w')
b = numpy_helper.from_array(rng.standard_normal((classes,)).astype(np.float32) * 0.1, 'b')
nodes = [
    helper.make_node('ReduceMean', ['image'], ['mean'], axes=[1, 2], keepdims=0),
    helper.make_node('MatMul', ['mean', 'w'], ['logits']),
    helper.make_node('Add', ['logits', 'b'], ['scores']),
]
cls = save(helper.make_graph(nodes, 'classifier', [x], [y], [w, b]), 'classifier.onnx')

# conv: 3->8 (k3, pad 1) then 1x1 8->4 on 8x8: madds = 8*8*8*3*9 + 8*8*4*8*1 = 13824 + 2048
x = helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 3, 8, 8])
y = helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 4, 8, 8])
w1 = numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32), 'w1')
b1 = numpy_helper.from_array(np.zeros(8, np.float32), 'b1')
w2 = numpy_helper.from_array(rng.standard_normal((4, 8, 1, 1)).astype(np.float32), 'w2')
nodes = [
    helper.make_node('Conv', ['x', 'w1', 'b1'], ['c1'], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node('Relu', ['c1'], ['r1']),
    helper.make_node('Conv', ['r1', 'w2'], ['y'], kernel_shape=[1, 1]),
]
save(helper.make_graph(nodes, 'conv', [x], [y], [w1, b1, w2]), 'conv.onnx')

# loop: trip count 2^62, cond always true; body adds 1 to a float carried value
x = helper.make_tensor_value_info('image', TensorProto.FLOAT, ['N', size, size, 3])
y = helper.make_tensor_value_info('scores', TensorProto.FLOAT, [1])
body = helper.make_graph(
    [helper.make_node('Identity', ['cond_in'], ['cond_out']), helper.make_node('Add', ['v_in', 'one'], ['v_out'])],
    'body',
    [helper.make_tensor_value_info('i', TensorProto.INT64, []), helper.make_tensor_value_info('cond_in', TensorProto.BOOL, []),
     helper.make_tensor_value_info('v_in', TensorProto.FLOAT, [1])],
    [helper.make_tensor_value_info('cond_out', TensorProto.BOOL, []), helper.make_tensor_value_info('v_out', TensorProto.FLOAT, [1])],
    [numpy_helper.from_array(np.ones(1, np.float32), 'one')],
)
nodes = [
    helper.make_node('ReduceMean', ['image'], ['m'], keepdims=0),
    helper.make_node('Reshape', ['m', 'shape1'], ['v0']),
    helper.make_node('Loop', ['trip', 'cond', 'v0'], ['scores'], body=body),
]
inits = [numpy_helper.from_array(np.array(2 ** 62, np.int64), 'trip'), numpy_helper.from_array(np.array(True), 'cond'),
         numpy_helper.from_array(np.array([1], np.int64), 'shape1')]
save(helper.make_graph(nodes, 'loop', [x], [y], inits), 'loop.onnx')

# memhog: Expand the [N,S,S,3] input's mean to [2^31, 16]
y = helper.make_tensor_value_info('scores', TensorProto.FLOAT, [None, 16])
nodes = [helper.make_node('ReduceMean', ['image'], ['m'], keepdims=0), helper.make_node('Expand', ['m', 'big'], ['scores'])]
save(helper.make_graph(nodes, 'memhog', [x], [y], [numpy_helper.from_array(np.array([2 ** 31, 16], np.int64), 'big')]), 'memhog.onnx')

# bigout: 1 GiB of zeros; the length is computed from the input's values (0 * max + 2^28), so
# no optimizer can fold it into a constant when the session is created: the run makes it.
y = helper.make_tensor_value_info('scores', TensorProto.FLOAT, [None])
nodes = [
    helper.make_node('ReduceMax', ['image'], ['mx'], keepdims=0),
    helper.make_node('Mul', ['mx', 'zero'], ['z0']),
    helper.make_node('Add', ['z0', 'n'], ['nf']),
    helper.make_node('Cast', ['nf'], ['ni'], to=TensorProto.INT64),
    helper.make_node('Reshape', ['ni', 'one'], ['shape']),
    helper.make_node('ConstantOfShape', ['shape'], ['scores']),
]
save(helper.make_graph(nodes, 'bigout', [x], [y], [numpy_helper.from_array(np.array(0, np.float32), 'zero'),
                                                  numpy_helper.from_array(np.array(2 ** 28, np.float32), 'n'),
                                                  numpy_helper.from_array(np.array([1], np.int64), 'one')]), 'bigout.onnx')

# external: the classifier's weight declared as external data outside the folder
ext = onnx.ModelProto()
ext.CopyFrom(cls)
t = ext.graph.initializer[0]
t.ClearField('raw_data')
t.ClearField('float_data')
t.data_location = TensorProto.EXTERNAL
e = t.external_data.add()
e.key, e.value = 'location', '../../../../etc/passwd'
onnx.save(ext, f'{out}/external.onnx')

data = open(f'{out}/classifier.onnx', 'rb').read()
open(f'{out}/truncated.onnx', 'wb').write(data[: len(data) // 2])
