/**
 * `podium data`: make the four mini challenges' data, or import a real data set.
 *   podium data make <challenge|all> [--seed N] [--force] [--scale F] [--synth espeak-ng|built-in]
 *   podium data import <format> <src> <dest> [--seed N] [--mix NAME]
 *   podium data status
 * Data goes under the data root (data/, or $PODIUM_DATA); see data/README.md for the layout.
 */
import path from 'node:path';
import { parseFlags } from './args.js';
import { UsageError } from '../problems.js';
import { dataRoot } from '../paths.js';
import { DEFAULT_SEED } from '../datasets/rng.js';
import { MINI_CHALLENGES, isMade, makeChallenge, readStamp, scaledSizes, type MakeOptions, type MiniChallenge } from '../datasets/mini-challenges.js';
import { IMPORTERS } from '../datasets/importers.js';
import type { Synthesizer } from '../datasets/separation-generate.js';

const USAGE = `usage:
  podium data make <${MINI_CHALLENGES.join('|')}|all> [--seed N] [--force] [--scale F] [--synth espeak-ng|built-in]
  podium data import <format> <src> <dest> [--seed N] [--mix NAME]
  podium data status
formats:
${Object.entries(IMPORTERS).map(([name, i]) => `  ${name.padEnd(17)} ${i.summary}\n  ${''.padEnd(17)} src: ${i.source}`).join('\n')}
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('data', args, {
    seed: { type: 'string' },
    force: { type: 'boolean' },
    synth: { type: 'string' },
    mix: { type: 'string' },
    scale: { type: 'string' },
  }, true);
  const [action, ...rest] = positionals;
  if (values.help || !action) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const seed = parseSeed(values.seed);
  switch (action) {
    case 'make': {
      const [which, ...extra] = rest;
      if (!which || extra.length) throw new UsageError(`data make: expected one of ${MINI_CHALLENGES.join(', ')} or all`);
      const synth = values.synth;
      if (synth !== undefined && synth !== 'espeak-ng' && synth !== 'built-in') throw new UsageError('data make: --synth must be espeak-ng or built-in');
      const list = which === 'all' ? [...MINI_CHALLENGES] : [which];
      for (const c of list) {
        if (!(MINI_CHALLENGES as readonly string[]).includes(c)) throw new UsageError(`data make: unknown challenge "${c}"; expected one of ${MINI_CHALLENGES.join(', ')} or all`);
      }
      const scale = parseScale(values.scale);
      for (const c of list as MiniChallenge[]) await makeOne(c, { seed, sizes: scaledSizes(c, scale), synthesizer: synth as Synthesizer | undefined }, !!values.force);
      return 0;
    }
    case 'import': {
      const [format, src, dest, ...extra] = rest;
      const importer = format ? IMPORTERS[format] : undefined;
      if (!importer) throw new UsageError(`data import: unknown format "${format ?? ''}"; expected one of ${Object.keys(IMPORTERS).join(', ')}`);
      if (!src || !dest || extra.length) throw new UsageError(`data import ${format}: expected <src> <dest> (src: ${importer.source})`);
      const summary = await importer.run(path.resolve(src), path.resolve(dest), { seed, mix: values.mix });
      process.stdout.write(`imported ${format} into ${dest}: ${describe(summary)}\n`);
      if ('challengeFile' in summary && !summary.challengeFile) {
        process.stdout.write(`no challenge.yaml written: the folder name "${path.basename(path.resolve(dest))}" is not a challenge id ([a-z0-9-]+)\n`);
      }
      return 0;
    }
    case 'status': {
      for (const c of MINI_CHALLENGES) {
        const s = readStamp(path.join(dataRoot(), c));
        process.stdout.write(`${c.padEnd(18)} ${s ? `made (seed ${s.seed}): ${describe(s.summary)}` : 'not made'}\n`);
      }
      return 0;
    }
    default:
      throw new UsageError(`data: unknown action "${action}"; expected make, import or status`);
  }
}

/**
 * Makes one set unless it is already there with the same seed and sizes. A set made with other
 * settings is only replaced with --force (it may be what someone's baseline was trained on).
 */
export async function makeOne(c: MiniChallenge, opts: MakeOptions, force: boolean): Promise<'made' | 'kept'> {
  const dir = path.join(dataRoot(), c);
  const stamp = readStamp(dir);
  if (!force && isMade(dir, c, opts)) {
    process.stdout.write(`${c}: already made in ${dir} (seed ${opts.seed}); --force to make it again\n`);
    return 'kept';
  }
  if (!force && stamp && !isMade(dir, c, opts)) {
    throw new UsageError(`data make: ${dir} was made with other settings (seed ${stamp.seed}, sizes ${JSON.stringify(stamp.sizes)}); add --force to replace it`);
  }
  const t0 = Date.now();
  const summary = await makeChallenge(c, dir, opts);
  process.stdout.write(`${c}: ${describe(summary)} -> ${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  return 'made';
}

function parseScale(v: string | undefined): number {
  if (v === undefined) return 1;
  const x = Number(v);
  if (!(x > 0 && x <= 1)) throw new UsageError(`data make: --scale must be a number in (0, 1], got "${v}"`);
  return x;
}

function parseSeed(v: string | undefined): number {
  if (v === undefined) return DEFAULT_SEED;
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new UsageError(`data: --seed must be a whole number from 0 to 4294967295, got "${v}"`);
  return Number(v);
}

function describe(summary: object): string {
  return Object.entries(summary)
    .filter(([k, v]) => k !== 'challengeFile' && v !== null && v !== undefined)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}
