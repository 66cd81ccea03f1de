/** The classification task's options (`options:` of a challenge.yaml), declared once: parser and reference. */
import { badOption, type OptionSpecs } from '../../scoring/options.js';

/** The largest k: ranks are kept up to this position (submission.ts RANK_CAP). */
export const MAX_K = 1000;

export interface ClassificationOptions {
  /** Labels every row must carry; it also fixes which top-k are reported. */
  predictions: number | undefined;
  /**
   * `open_labels: false`: the challenge's label set is closed: a predicted label that is no class
   * of the truth is refused with its line. Open by default, as the iNat 2018 script and sklearn
   * score such labels (a taxonomy larger than the test set's classes; the reference fixture
   * predicts 180 of them), so reference cases score unchanged.
   */
  open_labels: boolean;
  /**
   * `top_k: 2` or `[1, 2]`: which top-k errors to report (any k up to the row length; sklearn's
   * `top_k_accuracy_score` examples use k=2). Rows then need at least max(k) labels. Default:
   * 1, 3 and 5, those the rows are long enough for.
   */
  top_k: number[] | undefined;
}

export const CLASSIFICATION_OPTIONS: OptionSpecs<ClassificationOptions> = {
  predictions: {
    type: 'integer',
    default: 'any number of labels a row',
    description: 'labels every row must carry; also fixes which top-k errors are reported',
    parse: (p) => {
      if (p === undefined) return undefined;
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 1) badOption('predictions', 'a positive integer', p);
      return p as number;
    },
  },
  top_k: {
    type: 'integer or list of integers',
    default: '1, 3 and 5, those the rows are long enough for',
    description: `which top-k errors to report (k from 1 to ${MAX_K}); rows then need at least the largest k labels`,
    parse: (k) => {
      if (k === undefined) return undefined;
      const list = Array.isArray(k) ? k : [k];
      if (list.length === 0 || !list.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_K)) {
        badOption('top_k', `a k or a list of k, integers 1..${MAX_K}`, k);
      }
      return [...new Set(list as number[])].sort((a, b) => a - b);
    },
  },
  open_labels: {
    type: 'boolean',
    default: 'true',
    description: '`false`: a predicted label that is no class of the truth is refused with its line (a closed label set)',
    parse: (o) => {
      if (o === undefined) return true;
      if (typeof o !== 'boolean') badOption('open_labels', 'true or false', o);
      return o as boolean;
    },
  },
};
