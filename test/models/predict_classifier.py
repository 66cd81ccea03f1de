"""The classifier.onnx of make_models.py evaluated by hand with numpy and PIL (no podium code,
no ONNX runtime): mean RGB of each image scaled to [lo, hi], times W plus b, top-k categories.
Writes the submission a participant would upload as a file.
Usage: predict_classifier.py MODEL.onnx test2018.json OUT.csv K LO HI"""
import json, os, sys
import numpy as np
import onnx
from onnx import numpy_helper
from PIL import Image

model_path, inputs, out, k, lo, hi = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
m = onnx.load(model_path)
w = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
data = json.load(open(inputs))
cats = sorted(c['id'] for c in data['categories'])
rows = ['id,predicted']
for im in data['images']:
    rgb = np.asarray(Image.open(os.path.join(os.path.dirname(inputs), im['file_name'])).convert('RGB'), dtype=np.float32)
    x = np.float32(lo) + rgb * np.float32((hi - lo) / 255)
    scores = x.reshape(-1, 3).mean(axis=0, dtype=np.float64).astype(np.float32) @ w['w'] + w['b']
    order = sorted(range(len(cats)), key=lambda u: (-scores[u], u))
    rows.append(f"{im['id']},{' '.join(str(cats[u]) for u in order[:k])}")
open(out, 'w').write('\n'.join(rows) + '\n')
