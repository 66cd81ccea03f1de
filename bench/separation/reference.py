"""mir_eval 0.7 bss_eval_sources on the bench's files: per-mixture numbers and time.

usage: /usr/bin/python3 reference.py TRUTH SUBMISSION ID [ID ...]
Prints JSON {"perMixture": wall seconds, "cpuPerMixture": CPU seconds (all threads),
"rows": [{id, sdr, sir, sar, perm}]}; the times cover bss_eval_sources only (files are read
before the clock starts).
"""
import json
import sys
import time

import mir_eval
import numpy as np
from scipy.io import wavfile


def read(path):
    rate, x = wavfile.read(path)
    return x.astype(np.float64) / 32768.0


truth, submission, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
rows, total, cpu = [], 0.0, 0.0
for i in ids:
    refs = np.stack([read(f"{truth}/s1/{i}.wav"), read(f"{truth}/s2/{i}.wav")])
    ests = np.stack([read(f"{submission}/s1/{i}.wav"), read(f"{submission}/s2/{i}.wav")])
    t, c = time.perf_counter(), time.process_time()
    sdr, sir, sar, perm = mir_eval.separation.bss_eval_sources(refs, ests)
    total += time.perf_counter() - t
    cpu += time.process_time() - c
    rows.append({"id": i, "sdr": sdr.tolist(), "sir": sir.tolist(), "sar": sar.tolist(), "perm": perm.tolist()})
print(json.dumps({"perMixture": total / len(ids), "cpuPerMixture": cpu / len(ids), "rows": rows}))
