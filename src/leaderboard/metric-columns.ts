/**
 * Score columns a board shows beside its headline, with readable names: for a fluorescence
 * challenge, the Pearson r of every label channel (`pearson_MAP2` -> "dendrites (MAP2)"), so the
 * board tells which labels an entry predicts well. Other tasks show the headline only.
 */
import { channelLabel } from '../evaluators/fluorescence.js';
import type { Scores } from '../evaluators/evaluator.js';

export interface MetricColumn {
  /** The metric's key in an entry's scores. */
  name: string;
  /** Column heading. */
  label: string;
  /** What the number is (the heading's tooltip). */
  title: string;
}

export function metricColumns(task: string, options: Record<string, unknown>, entries: readonly { metrics: Scores }[]): MetricColumn[] {
  if (task !== 'fluorescence') return [];
  const listed = Array.isArray(options.channels) ? options.channels.filter((c): c is string => typeof c === 'string') : undefined;
  const found = listed ?? [...new Set(entries.flatMap((e) => Object.keys(e.metrics).filter((k) => k.startsWith('pearson_')).map((k) => k.slice('pearson_'.length))))].sort();
  return found.map((channel) => ({ name: `pearson_${channel}`, label: channelLabel(channel), title: `Pearson r, ${channelLabel(channel)}` }));
}
