"""The segment / detect / separate models of make_models.py evaluated by hand with numpy, PIL
and scipy (no podium code, no ONNX runtime), writing the submission a participant would
upload as a file for each task.
Usage:
  predict_tasks.py segment  MODEL.onnx VOC2012 SPLIT OUT.zip
  predict_tasks.py detect   MODEL.onnx instances_test.json IMAGES_DIR OUT.csv
  predict_tasks.py separate MODEL.onnx TEST_DIR OUT.zip
  predict_tasks.py separate-av MODEL.onnx TEST_DIR OUT.zip
  predict_tasks.py fluoresce MODEL.onnx TEST_DIR CHANNELS OUT.zip   (CHANNELS comma-separated)"""
import io, json, os, sys, zipfile
import numpy as np
import onnx
from onnx import numpy_helper
from PIL import Image

VOC_PALETTE = []
for i in range(256):
    c = [0, 0, 0]
    cid = i
    for j in range(8):
        for ch in range(3):
            c[ch] |= ((cid >> ch) & 1) << (7 - j)
        cid >>= 3
    VOC_PALETTE += c

def weights(path):
    return {t.name: numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}

def mixtures(test):
    """(file name, rate, float32 samples) of each test mixture, in name order."""
    from scipy.io import wavfile
    for f in sorted(os.listdir(os.path.join(test, 'mix'))):
        if not f.endswith('.wav'):
            continue
        rate, x = wavfile.read(os.path.join(test, 'mix', f))
        yield f, rate, (x.astype(np.float32) / 32768) if x.dtype == np.int16 else x.astype(np.float32)

def rgb01(path, lo=-1.0, hi=1.0):
    rgb = np.asarray(Image.open(path).convert('RGB'), dtype=np.float32)
    return np.float32(lo) + rgb * np.float32((hi - lo) / 255)

mode = sys.argv[1]
w = weights(sys.argv[2])
if mode == 'segment':
    root, split, out = sys.argv[3], sys.argv[4], sys.argv[5]
    ids = [l.strip() for l in open(os.path.join(root, 'ImageSets', 'Segmentation', f'{split}.txt')) if l.strip()]
    with zipfile.ZipFile(out, 'w') as z:
        for i in ids:
            f = next(os.path.join(root, 'JPEGImages', i + e) for e in ('.png', '.jpg') if os.path.exists(os.path.join(root, 'JPEGImages', i + e)))
            s = rgb01(f) @ w['ws'] + w['bs']
            ids_ = np.argmax(s, axis=2).astype(np.uint8)  # first maximum: ties to the lower class
            im = Image.fromarray(ids_, mode='P')
            im.putpalette(VOC_PALETTE)
            buf = io.BytesIO()
            im.save(buf, format='PNG')
            z.writestr(f'{i}.png', buf.getvalue())
elif mode == 'detect':
    inputs, images, out = sys.argv[3], sys.argv[4], sys.argv[5]
    data = json.load(open(inputs))
    cats = sorted(c['id'] for c in data['categories'])
    boxes, classes = w['box_const'][0], w['class_const'][0]
    rows = ['image_id,category_id,score,x,y,width,height']
    for im in data['images']:
        x = rgb01(os.path.join(images, im['file_name']))
        mean = x.reshape(-1, 3).mean(axis=0, dtype=np.float64).astype(np.float32)
        scores = 1 / (1 + np.exp(-(mean @ w['wd']).astype(np.float64)))
        for k in range(len(scores)):
            y0, x0, y1, x1 = [float(v) for v in boxes[k]]
            bx, by = max(0, min(x0, x1)) * im['width'], max(0, min(y0, y1)) * im['height']
            bw, bh = min(1, max(x0, x1)) * im['width'] - bx, min(1, max(y0, y1)) * im['height'] - by
            r = lambda v: f'{round(v * 100) / 100:g}'
            rows.append(f"{im['id']},{cats[int(classes[k])]},{float(np.float32(scores[k])):.5f},{r(bx)},{r(by)},{r(bw)},{r(bh)}")
    open(out, 'w').write('\n'.join(rows) + '\n')
elif mode == 'separate':
    from scipy.io import wavfile
    test, out = sys.argv[3], sys.argv[4]
    a, b = float(w['a']), float(w['b'])
    with zipfile.ZipFile(out, 'w') as z:
        for f, rate, x in mixtures(test):
            for k, g in ((1, a), (2, b)):
                buf = io.BytesIO()
                wavfile.write(buf, rate, (x * np.float32(g)).astype(np.float32))
                z.writestr(f's{k}/{f}', buf.getvalue())
elif mode == 'separate-av':
    from scipy.io import wavfile
    import csv
    test, out = sys.argv[3], sys.argv[4]
    with zipfile.ZipFile(out, 'w') as z:
        for f, rate, x in mixtures(test):
            with open(os.path.join(test, 'face', f[:-4] + '.csv')) as fh:
                rows = list(csv.DictReader(fh))
            for k in (1, 2):
                gain = np.max(np.array([float(r[f's{k}']) for r in rows], np.float32))
                buf = io.BytesIO()
                wavfile.write(buf, rate, (x * gain).astype(np.float32))
                z.writestr(f's{k}/{f}', buf.getvalue())
elif mode == 'fluoresce':
    import csv
    test, channels, out = sys.argv[3], sys.argv[4].split(','), sys.argv[5]
    depths = w['depths']
    with open(os.path.join(test, 'examples.csv')) as fh:
        ids = [r['id'] for r in csv.DictReader(fh)]
    with zipfile.ZipFile(out, 'w') as z:
        for i in ids:
            folder = os.path.join(test, 'inputs', i)
            files = sorted((f for f in os.listdir(folder) if f.startswith('z') and f.endswith('.png')), key=lambda f: int(f[1:-4]))
            stack = []
            for f in files:
                im = np.asarray(Image.open(os.path.join(folder, f)))
                full = 65535 if im.dtype != np.uint8 else 255
                stack.append((im.astype(np.float64) / full).astype(np.float32))  # intensity in [0, 1], stored as float32
            labels = np.stack(stack, axis=2)[:, :, depths]
            for c, name in enumerate(channels):
                v = np.clip(labels[:, :, c].astype(np.float64), 0, 1)
                buf = io.BytesIO()
                Image.fromarray(np.floor(v * 65535 + 0.5).astype(np.uint16)).save(buf, format='PNG')
                z.writestr(f'{i}/{name}.png', buf.getvalue())
