/**
 * Growable parallel typed arrays for detections read from a submission, one row at a time:
 * image and category as indices into the truth's lists, score, and four box numbers (COCO
 * `[x, y, width, height]` or VOC `[xmin, ymin, xmax, ymax]`, as the reader says).
 */
import { shareableMemory } from '../scoring/thread-data.js';

export interface DetectionTable {
  count: number;
  image: Uint32Array;
  category: Uint32Array;
  score: Float64Array;
  box: Float64Array;
}

export class DetectionBuilder {
  count = 0;
  private image: Uint32Array;
  private category: Uint32Array;
  private score: Float64Array;
  private box: Float64Array;

  /**
   * Large tables live on shared memory from the start (scoring/thread-data.ts), so scoring
   * threads read the rows where they were parsed, without a copy.
   */
  constructor(capacity = 1024) {
    const c = Math.max(16, capacity);
    this.image = new Uint32Array(this.memory(c * 4));
    this.category = new Uint32Array(this.memory(c * 4));
    this.score = new Float64Array(this.memory(c * 8));
    this.box = new Float64Array(this.memory(c * 32));
  }

  private memory(bytes: number): ArrayBufferLike {
    return shareableMemory(bytes);
  }

  push(image: number, category: number, score: number, b0: number, b1: number, b2: number, b3: number): void {
    const i = this.count;
    if (i === this.image.length) this.grow();
    this.image[i] = image;
    this.category[i] = category;
    this.score[i] = score;
    const o = i * 4;
    this.box[o] = b0;
    this.box[o + 1] = b1;
    this.box[o + 2] = b2;
    this.box[o + 3] = b3;
    this.count = i + 1;
  }

  private grow(): void {
    const c = this.image.length * 2;
    const image = new Uint32Array(this.memory(c * 4));
    image.set(this.image);
    this.image = image;
    const category = new Uint32Array(this.memory(c * 4));
    category.set(this.category);
    this.category = category;
    const score = new Float64Array(this.memory(c * 8));
    score.set(this.score);
    this.score = score;
    const box = new Float64Array(this.memory(c * 32));
    box.set(this.box);
    this.box = box;
  }

  /** The rows so far, as views (no copy). */
  table(): DetectionTable {
    const n = this.count;
    return {
      count: n,
      image: this.image.subarray(0, n),
      category: this.category.subarray(0, n),
      score: this.score.subarray(0, n),
      box: this.box.subarray(0, n * 4),
    };
  }
}
