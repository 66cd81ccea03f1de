/**
 * Starting a worker thread on one of podium's modules: the compiled `.js` normally; from the
 * TypeScript sources (vitest, tsx) the thread first registers tsx's loader itself, since
 * `execArgv --import` does not reach worker threads on Node 20. The one copy of that trick.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the module `relative` to `from` (pass `import.meta.url`), written without extension
 * (`./shard-worker`): `.js` when `from` is compiled, `.ts` through tsx when it is a source.
 */
export function startWorker(from: string, relative: string, options: WorkerOptions = {}): Worker {
  const self = new URL(from);
  if (!self.pathname.endsWith('.ts')) return new Worker(new URL(`${relative}.js`, self), options);
  const tsxApi = pathToFileURL(createRequire(from).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const target = new URL(`${relative}.ts`, self).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`, {
    ...options,
    eval: true,
  });
}
