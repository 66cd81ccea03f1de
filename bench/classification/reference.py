"""Plain-Python reference in the manner of the iNat 2018 evaluation script (csv + dict):
top-1 and top-3 error over all rows. Podium does more in its run (mean class accuracy, public
and private splits, full validation); the comparison is on the reference's terms.
"""
import csv
import json
import sys

solution_path, submission_path = sys.argv[1], sys.argv[2]
with open(solution_path, newline='', encoding='utf-8-sig') as f:
    truth = {row['id']: row['expected'] for row in csv.DictReader(f)}

top1 = top3 = 0
with open(submission_path, newline='', encoding='utf-8-sig') as f:
    for row in csv.DictReader(f):
        preds = row['predicted'].split()
        if len(preds) < 3:
            raise ValueError('row %s has fewer than 3 predictions' % row['id'])
        label = truth[row['id']]
        top1 += preds[0] == label
        top3 += label in preds[:3]

n = len(truth)
print(json.dumps({'metrics': {'top1_error': (n - top1) / n, 'top3_error': (n - top3) / n}}))
