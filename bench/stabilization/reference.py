"""numpy reference for the stabilization metrics (the formulas of the project's metric spec).

usage: /usr/bin/python3 reference.py TRUTH_DIR SUBMISSION.csv
Reads clips.csv and <clip>/motion.json, the CSV of S_t, and prints the per-clip means and the
split means as JSON. Plain numpy float64: np.linalg.inv, np.linalg.svd, np.fft.fft.
"""
import csv, json, os, sys
import numpy as np

truth_dir, sub_path = sys.argv[1], sys.argv[2]
NAMES = ['cropping_ratio', 'cropping_ratio_min', 'distortion', 'coverage', 'coverage_min',
         'stability_translation', 'stability_rotation', 'stability']


def norm(m):
    return m / m[2, 2]


def clip_polygon(poly, W, H):
    """Sutherland-Hodgman against x >= 0, x <= W, y >= 0, y <= H."""
    for axis, bound, keep_greater in ((0, 0.0, True), (0, W, False), (1, 0.0, True), (1, H, False)):
        out = []
        n = len(poly)
        for i in range(n):
            p, q = poly[i], poly[(i + 1) % n]
            pin = p[axis] >= bound if keep_greater else p[axis] <= bound
            qin = q[axis] >= bound if keep_greater else q[axis] <= bound
            if pin:
                out.append(p)
            if pin != qin:
                t = (bound - p[axis]) / (q[axis] - p[axis])
                out.append(p + t * (q - p))
        poly = out
        if not poly:
            return poly
    return poly


def area(poly):
    if len(poly) < 3:
        return 0.0
    a = np.array(poly)
    x, y = a[:, 0], a[:, 1]
    return abs(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)) / 2


def stability(signal):
    p = np.abs(np.fft.fft(signal)) ** 2
    p = p[1:]
    p = p[:len(p) // 2]
    total = np.sum(p)
    return 1.0 if total < 1e-12 else float(np.sum(p[:5]) / total)


def clip_scores(W, H, F, S):
    n = len(S)
    crop, dist, cov = [], [], []
    corners = np.array([[0, 0, 1], [W, 0, 1], [W, H, 1], [0, H, 1]], dtype=np.float64)
    for s in S:
        a = s[:2, :2]
        crop.append(min(1.0, 1.0 / np.sqrt(abs(np.linalg.det(a)))))
        sv = np.linalg.svd(a, compute_uv=False)
        dist.append(sv[1] / sv[0])
        w = corners @ s.T
        quad = [w[i, :2] / w[i, 2] for i in range(4)]
        cov.append(area(clip_polygon(quad, float(W), float(H))) / (W * H))
    C = np.array([[1, 0, -W / 2], [0, 1, -H / 2], [0, 0, 1]], dtype=np.float64)
    Ci = np.linalg.inv(C)
    P = np.eye(3)
    trans, rot = [], []
    for t in range(n - 1):
        G = norm(S[t + 1] @ F[t] @ np.linalg.inv(S[t]))
        G = C @ G @ Ci
        P = norm(G @ P)
        trans.append(np.sqrt(P[0, 2] ** 2 + P[1, 2] ** 2))
        rot.append(np.arctan2(P[1, 0] - P[0, 1], P[0, 0] + P[1, 1]))
    st, sr = stability(np.array(trans)), stability(np.array(rot))
    return [float(np.mean(crop)), float(np.min(crop)), float(np.min(dist)), float(np.mean(cov)),
            float(np.min(cov)), st, sr, (st + sr) / 2]


usage = {}
with open(os.path.join(truth_dir, 'clips.csv'), newline='') as f:
    for r in csv.DictReader(f):
        usage[r['id']] = r.get('usage') or 'Public'
subs = {}
with open(sub_path, newline='') as f:
    for r in csv.DictReader(f):
        m = np.array([float(r[k]) for k in ('h00', 'h01', 'h02', 'h10', 'h11', 'h12', 'h20', 'h21', 'h22')]).reshape(3, 3)
        subs.setdefault(r['clip'], {})[int(r['frame'])] = norm(m)
per_clip = {}
for cid in usage:
    m = json.load(open(os.path.join(truth_dir, cid, 'motion.json')))
    F = [norm(np.array(x, dtype=np.float64).reshape(3, 3)) for x in m['background']]
    S = [subs[cid][t] for t in range(m['frames'])]
    per_clip[cid] = clip_scores(m['width'], m['height'], F, S)


def means(ids):
    if not ids:
        return None
    a = np.array([per_clip[i] for i in ids])
    return dict(zip(NAMES, (float(v) for v in a.mean(axis=0))))


counted = [i for i in usage if usage[i] != 'Ignored']
out = {'metrics': means(counted),
       'splits': {'public': means([i for i in counted if usage[i] == 'Public']),
                  'private': means([i for i in counted if usage[i] == 'Private'])},
       'per_clip': {i: dict(zip(NAMES, v)) for i, v in per_clip.items()}}
print(json.dumps(out))
