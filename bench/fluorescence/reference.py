"""numpy + Pillow reference for the fluorescence bench: pooled per-channel Pearson r and MAE.

usage: /usr/bin/python3 reference.py TRUTH_DIR SUBMISSION.zip CHANNEL[,CHANNEL...]
For each example and acquired channel: Pillow decodes the truth PNG and the same-named PNG
from the zip (read in place, no unpacking), intensities are value / 65535 (16-bit) or / 255,
float64. The per-image centred co-moments (np.dot of centred arrays) combine over images with
Chan et al.'s update, so memory holds one pair of images, not 200M pixels per channel (the
concatenate-then-np.corrcoef form needs 1.6 GB per array at this scale). Prints the scores as JSON.
"""
import csv, io, json, os, sys, zipfile
import numpy as np
from PIL import Image

truth_dir, sub_zip, channels = sys.argv[1], sys.argv[2], sys.argv[3].split(',')

def load(f):
    im = Image.open(f)
    a = np.asarray(im)
    return a.astype(np.float64).ravel() / (255.0 if im.mode == 'L' else 65535.0)

acc = {c: [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0] for c in channels}  # n, mx, my, cxx, cyy, cxy, sum|x-y|
with zipfile.ZipFile(sub_zip) as z:
    names = {n.split('/', 1)[1] if n.count('/') > 1 else n: n for n in z.namelist()}
    rows = list(csv.DictReader(open(os.path.join(truth_dir, 'examples.csv'))))
    for r in rows:
        if r.get('usage') == 'Ignored':
            continue
        for c in channels:
            t = os.path.join(truth_dir, 'targets', r['id'], c + '.png')
            if not os.path.exists(t):
                continue
            x = load(t)
            y = load(io.BytesIO(z.read(names[r['id'] + '/' + c + '.png'])))
            n = x.size
            mx = x.mean(); my = y.mean()
            dx = x - mx; dy = y - my
            b = [n, mx, my, dx @ dx, dy @ dy, dx @ dy, np.abs(x - y).sum()]
            a = acc[c]
            if a[0] == 0:
                acc[c] = b
                continue
            N = a[0] + n; ddx = mx - a[1]; ddy = my - a[2]; w = a[0] * n / N
            acc[c] = [N, a[1] + ddx * n / N, a[2] + ddy * n / N, a[3] + b[3] + ddx * ddx * w,
                      a[4] + b[4] + ddy * ddy * w, a[5] + b[5] + ddx * ddy * w, a[6] + b[6]]
out = {}
for c in channels:
    n, mx, my, cxx, cyy, cxy, s = acc[c]
    out['pearson_' + c] = float(cxy / np.sqrt(cxx * cyy))
    out['mae_' + c] = float(s / n)
out['mean_pearson'] = float(np.mean([out['pearson_' + c] for c in channels]))
out['mean_mae'] = float(np.mean([out['mae_' + c] for c in channels]))
print(json.dumps(out))
