/**
 * Real separate processes for the multi-host tests: an S3-compatible server (s3rver, speaking
 * S3 over HTTP on loopback) and `podium worker`s (the built CLI), optionally inside a network
 * namespace (`ip netns exec`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cliPath } from '../helpers/cli.js';

export interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

function run(argv: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Running & { match: RegExpExecArray }> {
  const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        resolve({
          child, match: m, exited, output: () => out,
          async stop(signal = 'SIGTERM') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.once('exit', (code) => reject(new Error(`${argv.slice(0, 3).join(' ')} exited with ${code} before it was ready: ${out}`)));
  });
}

export const S3_BUCKET = 'podium-test';

/**
 * s3rver on 127.0.0.1 (or `address`) with one bucket; the env a podium process needs to reach
 * it. `port` 0 picks a free one; a fixed port lets a killed server come back where it was.
 */
export async function startS3(dir: string, address = '127.0.0.1', port = 0): Promise<Running & { env: NodeJS.ProcessEnv; endpoint: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const bin = path.join(path.dirname(createRequire(import.meta.url).resolve('s3rver/package.json')), 'bin', 's3rver.js');
  const r = await run([process.execPath, bin, '-d', dir, '-a', address, '-p', String(port), '--configure-bucket', S3_BUCKET], {}, /S3rver listening on ([\d.]+):(\d+)/);
  const endpoint = `http://${r.match[1]}:${r.match[2]}`;
  return { ...r, endpoint, env: { PODIUM_S3_ENDPOINT: endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' } };
}

/** `podium worker ...`, resolved once it says it is ready; `prefix` runs it through another command (ip netns exec). */
export function startWorker(args: string[], env: NodeJS.ProcessEnv = {}, prefix: string[] = []): Promise<Running> {
  return run([...prefix, process.execPath, cliPath, 'worker', ...args], env, /podium worker ready: .*owner (\S+)/);
}
