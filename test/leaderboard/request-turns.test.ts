import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { takingTurns } from '../../src/leaderboard/request-turns.js';

type Pair = [http.IncomingMessage, http.ServerResponse];
const fake = (n: number): Pair => [{ n } as unknown as http.IncomingMessage, { n } as unknown as http.ServerResponse];
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('requests taking turns', () => {
  it('starts the first request at once, then one waiting request per event-loop iteration, in arrival order', async () => {
    const started: number[] = [];
    const handle = takingTurns((req, res) => {
      expect(res).toMatchObject({ n: (req as unknown as { n: number }).n });
      started.push((req as unknown as { n: number }).n);
    });
    for (let n = 1; n <= 4; n++) handle(...fake(n));
    expect(started).toEqual([1]);
    await turn();
    expect(started).toEqual([1, 2]);
    await turn();
    expect(started).toEqual([1, 2, 3]);
    // One arriving meanwhile waits behind the others.
    handle(...fake(5));
    await turn();
    expect(started).toEqual([1, 2, 3, 4]);
    await turn();
    expect(started).toEqual([1, 2, 3, 4, 5]);
    // Quiet again: the next one starts at once.
    await turn();
    handle(...fake(6));
    expect(started).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('answers every request of a crowd with its own response, bodies included, behind a real server', async () => {
    // The handler of a waiting request starts later: its body must still be there to read.
    const server = http.createServer(takingTurns((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`));
    }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const ask = (i: number) => new Promise<string>((resolve, reject) => {
      const body = i % 2 ? 'x'.repeat(100_000 + i) : '';
      const req = http.request({ port, host: '127.0.0.1', path: `/r${i}`, method: i % 2 ? 'POST' : 'GET', agent }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end(body);
    });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => ask(i)));
    agent.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    answers.forEach((a, i) => expect(a).toBe(`${i % 2 ? 'POST' : 'GET'} /r${i} ${i % 2 ? 'x'.repeat(100_000 + i) : ''}`));
  });
});
