/**
 * Problems as the participant should read them: the server validates a stored copy
 * (`<hash>.zip`) beside the challenge's truth, so a problem's file is renamed to the name the
 * participant uploaded, keeping the entry inside a zip or folder (`sub.zip/s1/tt0001.wav`), and
 * no server path (stored file, truth folder) reaches a message.
 */
import path from 'node:path';
import type { Problem } from '../problems.js';

export interface NamingContext {
  /** The path the server validated (the stored upload). */
  checked: string;
  /** The name the participant knows it by (their file name, or "submission"). */
  uploadName: string;
  /** The challenge's truth (file or folder). */
  truth?: string;
}

function renamer(ctx: NamingContext): (text: string) => string {
  const checkedAbs = path.resolve(ctx.checked);
  const stored = path.basename(ctx.checked);
  const swaps: [string, string][] = [
    [checkedAbs, ctx.uploadName],
    [ctx.checked, ctx.uploadName],
  ];
  if (ctx.truth) {
    const truthAbs = path.resolve(ctx.truth);
    const truthRoot = path.extname(truthAbs) ? path.dirname(truthAbs) : truthAbs;
    swaps.push([`${truthRoot}${path.sep}`, 'the truth\'s '], [truthRoot, 'the truth']);
  }
  return (text: string) => {
    let out = text;
    for (const [from, to] of swaps) out = out.split(from).join(to);
    // The stored name alone (labels are basenames): at the start or after a space or quote.
    return out.replace(new RegExp(`(^|[\\s"'(])${stored.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=$|[/\\s:,;"')])`, 'g'), `$1${ctx.uploadName}`);
  };
}

export function nameProblems(problems: Problem[], ctx: NamingContext): Problem[] {
  const rename = renamer(ctx);
  return problems.map((p) => ({ ...p, file: rename(p.file), message: rename(p.message) }));
}
