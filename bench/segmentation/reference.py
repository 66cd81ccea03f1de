"""numpy reference for the segmentation bench: PIL + np.bincount, one confusion matrix.

usage: /usr/bin/python3 reference.py TRUTH_DIR SUBMISSION.zip
Reads each truth mask and the same-named PNG from the zip (streamed, no unpacking), skips truth
255, accumulates np.bincount(21 * t + p); prints the scores as JSON (same definitions as podium).
"""
import io, json, os, sys, zipfile
import numpy as np
from PIL import Image

C = 21
truth_dir, sub_zip = sys.argv[1], sys.argv[2]
m = np.zeros(C * C, dtype=np.int64)
with zipfile.ZipFile(sub_zip) as z:
    names = {os.path.basename(n)[:-4]: n for n in z.namelist() if n.endswith('.png')}
    for f in sorted(os.listdir(truth_dir)):
        if not f.endswith('.png'):
            continue
        t = np.asarray(Image.open(os.path.join(truth_dir, f))).ravel()
        p = np.asarray(Image.open(io.BytesIO(z.read(names[f[:-4]])))).ravel()
        keep = t != 255
        m += np.bincount(C * t[keep].astype(np.int64) + p[keep], minlength=C * C)
m = m.reshape(C, C).astype(np.float64)
tp = np.diag(m); rows = m.sum(1); cols = m.sum(0); n = m.sum()
union = rows + cols - tp
with np.errstate(invalid='ignore', divide='ignore'):
    iou = np.where(union > 0, tp / union, np.nan)
present = rows > 0
print(json.dumps({
    'miou': float(np.nanmean(iou)),
    'pixel_accuracy': float(tp.sum() / n),
    'mean_class_accuracy': float(np.mean(tp[present] / rows[present])),
    'fwiou': float(np.sum(rows[present] / n * iou[present])),
}))
