/**
 * The demo's data step: the missing mini data sets are made by `podium data make <challenge>`
 * in child processes, `parallel` at a time, in the order given (each generator runs on one
 * core). Their output lines are printed as they come; a failed set is reported, the others go on.
 * `made` is called as each set is done (failed or not), so its baselines can start.
 */
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { MiniChallenge } from '../datasets/mini-challenges.js';

function makeInChild(c: MiniChallenge, seed: number, scale: string | undefined, say: (line: string) => void): Promise<void> {
  const args = [process.argv[1]!, 'data', 'make', c, '--seed', String(seed), ...(scale === undefined ? [] : ['--scale', scale])];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const errors: string[] = [];
    readline.createInterface({ input: child.stdout }).on('line', say);
    readline.createInterface({ input: child.stderr }).on('line', (line) => errors.push(line));
    child.on('error', (e) => errors.push(e.message));
    child.on('close', (code) => {
      if (code !== 0) say(`${c}: data FAILED: ${errors.filter((l) => !l.startsWith('    at ')).join(' ') || `exited with code ${code}`}`);
      resolve();
    });
  });
}

export async function makeData(
  list: MiniChallenge[], parallel: number, seed: number, scale: string | undefined, say: (line: string) => void,
  made: (c: MiniChallenge) => void = () => {},
): Promise<void> {
  const queue = [...list];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      await makeInChild(c, seed, scale, say);
      made(c);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, worker));
}
