/** Runs `podium serve` (the built CLI) as a real child process and reads the URL it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import { cliPath } from '../helpers/cli.js';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `wrap` puts a command in front (a shell that lowers `ulimit -n`, a mount namespace with a
 * small tmpfs); it must end by exec-ing the command, so the child's pid is the server's.
 */
export async function spawnServe(args: string[], env: NodeJS.ProcessEnv = {}, wrap: string[] = []): Promise<ServeProcess> {
  const argv = [...wrap, process.execPath, cliPath, 'serve', '--host', '127.0.0.1', '--port', '0', ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /serving at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`podium serve exited with ${code}: ${err}`)));
  });
  return {
    child, url,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
