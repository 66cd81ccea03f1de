#!/usr/bin/env node
/**
 * The `podium` command. Each subcommand lives in src/commands/<name>.ts and is imported only
 * when called, so a quick `podium evaluate` does not pay for express, sqlite or tfjs.
 * A user's mistake (ValidationError, UsageError) prints one line and exits 2; anything else
 * is a bug in podium and keeps its stack.
 */
import { isUserError } from './problems.js';

type CommandModule = { run(args: string[]): Promise<number | void> };

/** The value of `--name V` or `--name=V`, if given. */
function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(name.length + 3) : args[i + 1];
}

/** Does this call time models in this process (then it runs with the steady allocator, steady-allocator.ts)? */
function timesModels(name: string, args: string[]): boolean {
  if (name === 'demo') return true;
  if (name !== 'baseline' || args.includes('--help')) return false;
  const latency = option(args, 'latency');
  if (args[0] === 'export') return latency !== undefined && latency !== 'off';
  return args[0] === 'run' && latency !== 'off';
}

const commands: Record<string, { load: () => Promise<CommandModule>; summary: string }> = {
  evaluate: { load: () => import('./commands/evaluate.js'), summary: 'score a submission against a truth or a challenge' },
  validate: { load: () => import('./commands/validate.js'), summary: 'check a submission and list every problem' },
  serve: { load: () => import('./commands/serve.js'), summary: 'run the leaderboard server' },
  worker: { load: () => import('./commands/worker.js'), summary: 'score queued submissions from a shared database (any host)' },
  submit: { load: () => import('./commands/submit.js'), summary: 'upload a submission to a server' },
  leaderboard: { load: () => import('./commands/leaderboard.js'), summary: "print a challenge's leaderboard" },
  status: { load: () => import('./commands/status.js'), summary: 'show your submissions and their status' },
  download: { load: () => import('./commands/download.js'), summary: "download a challenge's data and sample submission" },
  data: { load: () => import('./commands/data.js'), summary: 'make or import data sets (podium data make all)' },
  baseline: { load: () => import('./commands/baseline.js'), summary: 'train, run and score reference baselines' },
  demo: { load: () => import('./commands/demo.js'), summary: 'data, baselines, scores and the leaderboard in one go' },
  docs: { load: () => import('./commands/docs.js'), summary: 'print the challenge.yaml reference from the schema (docs challenge-yaml)' },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'usage: podium <command> [options]   (podium <command> --help for its options)',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`podium: unknown command "${name}"\n${usage()}\n`);
    return 2;
  }
  if (timesModels(name, args)) {
    // Loaded only by the commands that time models: every other command starts a little faster.
    const allocator = await import('./steady-allocator.js');
    if (!allocator.hasSteadyAllocator()) return allocator.rerunWithSteadyAllocator();
  }
  const code = await (await command.load()).run(args);
  return typeof code === 'number' ? code : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    if (isUserError(e)) {
      // The client module only on this path: a successful run does not load it.
      const { printable } = await import('./leaderboard/client.js');
      process.stderr.write(`podium: ${printable(e.message.replace(/\s*\n\s*/g, ' '))}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`podium: internal error (a bug in podium, please report it)\n${(e as Error)?.stack ?? e}\n`);
      process.exitCode = 1;
    }
  },
);
