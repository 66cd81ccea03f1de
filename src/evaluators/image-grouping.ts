/**
 * Boxes (ground truth or detections) grouped by image, then by category, then in input order:
 * two stable counting sorts. COCO and VOC matching walk an image's boxes one category at a
 * time through this index. Detections may carry theirs (`byImage`), made once where they are
 * read, so scoring threads share it instead of each grouping every box again.
 */
export interface ImageGrouping {
  order: Uint32Array;
  /** `order[imageStart[i] .. imageStart[i+1])` are image i's boxes. */
  imageStart: Uint32Array;
}

/** `image` and `category` are ranks below `images` and `categories`. */
export function groupByImage(image: Uint32Array, category: Uint32Array, count: number, images: number, categories: number): ImageGrouping {
  const identity = new Uint32Array(count);
  for (let i = 0; i < count; i++) identity[i] = i;
  const byCategory = countingSort(category, identity, categories).order;
  return countingSort(image, byCategory, images);
}

function countingSort(key: Uint32Array, input: Uint32Array, keys: number): ImageGrouping {
  const start = new Uint32Array(keys + 1);
  for (let i = 0; i < input.length; i++) start[key[input[i]!]! + 1]++;
  for (let k = 0; k < keys; k++) start[k + 1] += start[k]!;
  const next = start.slice(0, keys);
  const order = new Uint32Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const r = input[i]!;
    order[next[key[r]!]!++] = r;
  }
  return { order, imageStart: start };
}

/** Boxes as the readers give them, with their grouping when it was made. */
export interface GroupableBoxes {
  count: number;
  image: Uint32Array;
  category: Uint32Array;
  /** The grouping of these boxes (groupByImage), when made where they were read. */
  byImage?: ImageGrouping;
}

/** The boxes' own grouping, else one made now and remembered for these boxes. */
export function groupingCache(images: number, categories: number): (boxes: GroupableBoxes) => ImageGrouping {
  const made = new WeakMap<GroupableBoxes, ImageGrouping>();
  return (boxes) => {
    if (boxes.byImage) return boxes.byImage;
    let g = made.get(boxes);
    if (!g) {
      g = groupByImage(boxes.image, boxes.category, boxes.count, images, categories);
      made.set(boxes, g);
    }
    return g;
  };
}
