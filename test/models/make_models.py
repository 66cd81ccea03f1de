"""Builds the ONNX models the model-track tests run, with Debian's python3-onnx (an
implementation independent of podium's writer). Usage: make_models.py OUT_DIR [SIZE CLASSES]

  classifier.onnx   NHWC float32 [N,S,S,3] -> mean colour per image -> [N,C] scores (MatMul + Add)
  conv.onnx         NCHW conv 3->8 k3 s1 pad 1 on [1,3,8,8], Relu, 1x1 conv 8->4: known cost
  loop.onnx         a Loop whose trip count is 2^62 and whose condition stays true (never ends)
  memhog.onnx       Expand of the input to [2^31, 16] float32 (128 GiB)
  bigout.onnx       ConstantOfShape [268435456] float32: 1 GiB of output
  external.onnx     an initializer whose data is "external" at ../../../../etc/passwd
  truncated.onnx    the first half of classifier.onnx
  convnet-W.onnx    for bench/latency: NHWC [N,S,S,3] -> 4 conv3x3 + ReLU (width W, stride 2 at the
                    first two) -> global mean -> [N,C]; W = 16 (the entry) and 24 (the reference)
  segment.onnx      NHWC [1,H,W,3] -> per-pixel MatMul [3,21] + b -> scores [1,H,W,21]
  segment-ids.onnx  the same, then ArgMax over classes -> int64 ids [1,H,W]
  detect.onnx       NHWC [1,H,W,3] -> 8 fixed boxes, scores sigmoid(mean colour . w_k), classes k mod C
  separate.onnx     mixture [1,T] -> [1,2,T] = (0.7 x, 0.3 x)
  separate-av.onnx  mixture [1,T], face_tracks [1,V,2] -> [1,2,T] = (max_t face_1 x, max_t face_2 x)
  separate-av-wide.onnx    the same with face_tracks declared [1,V,3] (breaks the contract)
  separate-lips.onnx       mixture [1,T] and an input "lips" [1,V,2] the contract does not have
  separate-faces-only.onnx face_tracks [1,V,2] alone (the required mixture left out)
  fluoresce.onnx    z-stack [1,H,W,D] -> depths 0, 3, 6, 9 as the four label channels [1,H,W,4]
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

# convnets for bench/latency (same contract as the classifier)
def convnet(width):
    x = helper.make_tensor_value_info('image', TensorProto.FLOAT, ['N', size, size, 3])
    y = helper.make_tensor_value_info('scores', TensorProto.FLOAT, ['N', classes])
    nodes = [helper.make_node('Transpose', ['image'], ['t0'], perm=[0, 3, 1, 2])]
    inits = []
    cin, prev = 3, 't0'
    for k in range(4):
        w = numpy_helper.from_array((rng.standard_normal((width, cin, 3, 3)) * 0.2).astype(np.float32), f'w{k}')
        inits.append(w)
        nodes.append(helper.make_node('Conv', [prev, f'w{k}'], [f'c{k}'], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2] if k < 2 else [1, 1]))
        nodes.append(helper.make_node('Relu', [f'c{k}'], [f'r{k}']))
        cin, prev = width, f'r{k}'
    nodes.append(helper.make_node('GlobalAveragePool', [prev], ['g']))
    nodes.append(helper.make_node('Flatten', ['g'], ['f']))
    inits.append(numpy_helper.from_array(rng.standard_normal((width, classes)).astype(np.float32), 'fc'))
    nodes.append(helper.make_node('MatMul', ['f', 'fc'], ['scores']))
    save(helper.make_graph(nodes, f'convnet{width}', [x], [y], inits), f'convnet-{width}.onnx')

convnet(16)
convnet(24)

# segmentation: a 1x1 "convolution" as a MatMul over the channel axis
x = helper.make_tensor_value_info('image', TensorProto.FLOAT, [1, 'H', 'W', 3])
ws = numpy_helper.from_array(rng.standard_normal((3, 21)).astype(np.float32), 'ws')
bs = numpy_helper.from_array(rng.standard_normal((21,)).astype(np.float32), 'bs')
y = helper.make_tensor_value_info('scores', TensorProto.FLOAT, [1, 'H', 'W', 21])
save(helper.make_graph([helper.make_node('MatMul', ['image', 'ws'], ['m']), helper.make_node('Add', ['m', 'bs'], ['scores'])],
                       'segment', [x], [y], [ws, bs]), 'segment.onnx')
y = helper.make_tensor_value_info('ids', TensorProto.INT64, [1, 'H', 'W'])
save(helper.make_graph([helper.make_node('MatMul', ['image', 'ws'], ['m']), helper.make_node('Add', ['m', 'bs'], ['s']),
                        helper.make_node('ArgMax', ['s'], ['ids'], axis=3, keepdims=0)],
                       'segment_ids', [x], [y], [ws, bs]), 'segment-ids.onnx')

# detection: fixed boxes, image-dependent scores
K = 8
boxes = np.array([[0.1 * k % 0.6, 0.05 * k, 0.1 * k % 0.6 + 0.3, 0.05 * k + 0.4] for k in range(K)], np.float32)[None]
wd = numpy_helper.from_array(rng.standard_normal((3, K)).astype(np.float32), 'wd')
outs = [helper.make_tensor_value_info('boxes', TensorProto.FLOAT, [1, K, 4]), helper.make_tensor_value_info('scores', TensorProto.FLOAT, [1, K]),
        helper.make_tensor_value_info('classes', TensorProto.INT64, [1, K])]
nodes = [
    helper.make_node('ReduceMean', ['image'], ['mean'], axes=[1, 2], keepdims=0),
    helper.make_node('MatMul', ['mean', 'wd'], ['logit']),
    helper.make_node('Sigmoid', ['logit'], ['scores']),
    helper.make_node('Identity', ['box_const'], ['boxes']),
    helper.make_node('Identity', ['class_const'], ['classes']),
]
save(helper.make_graph(nodes, 'detect', [x], outs, [wd, numpy_helper.from_array(boxes, 'box_const'),
                                                    numpy_helper.from_array((np.arange(K) % classes).astype(np.int64)[None], 'class_const')]), 'detect.onnx')

# separation: two scaled copies of the mixture
x = helper.make_tensor_value_info('mixture', TensorProto.FLOAT, [1, 'T'])
y = helper.make_tensor_value_info('sources', TensorProto.FLOAT, [1, 2, 'T'])
nodes = [
    helper.make_node('Mul', ['mixture', 'a'], ['s1']),
    helper.make_node('Mul', ['mixture', 'b'], ['s2']),
    helper.make_node('Concat', ['s1', 's2'], ['st'], axis=0),
    helper.make_node('Unsqueeze', ['st', 'ax0'], ['sources']),
]
save(helper.make_graph(nodes, 'separate', [x], [y], [numpy_helper.from_array(np.array(0.7, np.float32), 'a'),
                                                    numpy_helper.from_array(np.array(0.3, np.float32), 'b'),
                                                    numpy_helper.from_array(np.array([0], np.int64), 'ax0')]), 'separate.onnx')

# audio-visual separation: each source is the mixture times its speaker's largest mouth opening
# (ReduceMax is exact, so numpy gives the same float32 bits)
def separate_av(name, face_input='face_tracks', face_width=2, with_mixture=True):
    f = helper.make_tensor_value_info(face_input, TensorProto.FLOAT, [1, 'V', face_width])
    x = helper.make_tensor_value_info('mixture', TensorProto.FLOAT, [1, 'T'])
    y = helper.make_tensor_value_info('sources', TensorProto.FLOAT, [1, face_width, 'T'])
    nodes = [
        helper.make_node('ReduceMax', [face_input], ['gain'], axes=[1], keepdims=0),      # [1, 2]
        helper.make_node('Unsqueeze', ['gain', 'ax2'], ['gain3']),                       # [1, 2, 1]
    ]
    inits = [numpy_helper.from_array(np.array([2], np.int64), 'ax2'), numpy_helper.from_array(np.array([1], np.int64), 'ax1')]
    if with_mixture:
        nodes += [helper.make_node('Unsqueeze', ['mixture', 'ax1'], ['mix3']), helper.make_node('Mul', ['mix3', 'gain3'], ['sources'])]
        inputs = [x, f]
    else:
        nodes += [helper.make_node('Identity', ['gain3'], ['sources'])]
        inputs = [f]
    save(helper.make_graph(nodes, name, inputs, [y], inits), name + '.onnx')

separate_av('separate-av')
separate_av('separate-av-wide', face_width=3)
separate_av('separate-lips', face_input='lips')
separate_av('separate-faces-only', with_mixture=False)

# fluorescence: each label channel "predicted" as one focal depth of the stack (Gather is exact,
# so numpy gives the same float32 bits)
x = helper.make_tensor_value_info('zstack', TensorProto.FLOAT, [1, 'H', 'W', 'D'])
y = helper.make_tensor_value_info('labels', TensorProto.FLOAT, [1, 'H', 'W', 4])
save(helper.make_graph([helper.make_node('Gather', ['zstack', 'depths'], ['labels'], axis=3)], 'fluoresce', [x], [y],
                       [numpy_helper.from_array(np.array([0, 3, 6, 9], np.int64), 'depths')]), 'fluoresce.onnx')
