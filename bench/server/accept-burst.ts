/**
 * Shows why a crowd's first answers sometimes wait hundreds of milliseconds although the server
 * answers each request in about one: a busy Node server takes new connections off the kernel's
 * accept queue one per event-loop iteration (libuv stopped accepting in a loop in 1.45; Node 20
 * ships 1.46), and while it is serving many kept-alive connections each iteration lasts as long
 * as answering every request that is ready. A burst of new connections then waits in the queue
 * one iteration each, although the kernel finished their handshakes at once.
 *
 * A server (a child process) spends 0.5 ms on each request; 32 connections keep it busy, each
 * sending its next request as soon as it has an answer; then 32 more connect at once. Prints when
 * the kernel had connected them, and when and in which loop iteration the server accepted each.
 *
 *   npx tsx bench/server/accept-burst.ts
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';

const WORK_MS = 0.5;
const BUSY = 32;
const BURST = 32;

function serve(): void {
  let iteration = 0;
  const tick = () => {
    iteration++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const accepted: [number, number][] = [];
  const server = http.createServer((_req, res) => {
    const end = performance.now() + WORK_MS;
    while (performance.now() < end);
    res.end('x'.repeat(1000));
  });
  server.on('connection', () => accepted.push([performance.timeOrigin + performance.now(), iteration]));
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
  process.on('message', () => process.send!({ accepted }));
}

async function main(): Promise<void> {
  const server = fork(process.argv[1]!, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise<any>((resolve) => server.once('message', resolve));
  const { port } = await next();
  const request = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\n\r\n');
  const sockets: net.Socket[] = [];
  const connect = (onConnect?: (at: number) => void) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      onConnect?.(performance.timeOrigin + performance.now());
      s.write(request);
    });
    // The body is 1,000 x's, sent in one write: its arrival means the answer is complete.
    s.on('data', (d: Buffer) => d.includes('xxxx') && s.write(request));
    sockets.push(s);
  };
  for (let i = 0; i < BUSY; i++) connect();
  await new Promise((r) => setTimeout(r, 500));
  const t0 = performance.timeOrigin + performance.now();
  const connected: number[] = [];
  for (let i = 0; i < BURST; i++) connect((at) => connected.push(at - t0));
  await new Promise((r) => setTimeout(r, 2000));
  server.send('report');
  const { accepted } = (await next()) as { accepted: [number, number][] };
  for (const s of sockets) s.destroy();
  server.kill();
  const burst = accepted.slice(BUSY).map(([at, iteration]) => ({ ms: Math.round(at - t0), iteration }));
  console.log(`${BUSY} busy connections, then ${BURST} new ones at once; the server spends ${WORK_MS} ms a request`);
  console.log(`kernel: all ${connected.length} new connections established by +${Math.round(Math.max(...connected))} ms`);
  console.log(`server: accepted them from +${burst[0]?.ms} to +${burst.at(-1)?.ms} ms, in ${new Set(burst.map((b) => b.iteration)).size} distinct loop iterations (of ${burst.length} accepts)`);
  console.log(`accepts (ms, loop iteration): ${burst.map((b) => `${b.ms}/${b.iteration}`).join(' ')}`);
}

if (process.argv.includes('--serve')) serve();
else await main();
