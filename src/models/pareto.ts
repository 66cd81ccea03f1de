/**
 * The accuracy-vs-latency Pareto front (the MobileNetV2 post's plot): an entry is on the front
 * when no other entry is at least as fast and at least as accurate, and strictly better in one.
 */
export interface ParetoPoint {
  latency: number;
  accuracy: number;
}

/** Indices of the points on the front, fastest first. `higherIsBetter` is the accuracy's direction. */
export function paretoFront(points: readonly ParetoPoint[], higherIsBetter: boolean): number[] {
  const better = (a: number, b: number) => (higherIsBetter ? a > b : a < b);
  const order = points.map((_, i) => i).sort((a, b) => points[a].latency - points[b].latency || (better(points[a].accuracy, points[b].accuracy) ? -1 : 1));
  const front: number[] = [];
  let best: number | undefined;
  for (const i of order) {
    const p = points[i];
    if (!Number.isFinite(p.latency) || !Number.isFinite(p.accuracy)) continue;
    if (best === undefined || better(p.accuracy, best)) {
      front.push(i);
      best = p.accuracy;
    }
  }
  return front;
}
