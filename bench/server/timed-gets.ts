/**
 * Times GETs of one URL one after the other, in a process of its own with a lean client: one
 * kept-alive connection (node:http), gzip accepted and decoded, the whole body read, as a
 * browser fetches a page. The bench used to time these with fetch() in its own process: fetch's
 * garbage outgrew the old generation's limit, and that process ran a major collection every
 * 15-20 page requests (a process of its own using fetch did so every 50), each inside a timed
 * request (15-30 ms instead of 2, while the server handled those requests in 0.2-0.6 ms): the
 * warm board's p99 was mostly the load generator's own collections. This client runs none.
 *
 *   node --import tsx bench/server/timed-gets.ts URL N
 *
 * Prints one JSON line: the times of N requests in ms, after one untimed request that opens the
 * connection.
 */
import http from 'node:http';
import zlib from 'node:zlib';

const [url, count] = process.argv.slice(2);
if (!url || !(Number(count) > 0)) {
  process.stderr.write('usage: node --import tsx bench/server/timed-gets.ts URL N\n');
  process.exit(2);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One GET: time from the request to the decoded body, and the body's length. */
function timedGet(): Promise<{ ms: number; bytes: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    http.get(url!, { agent, headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${url}: ${res.statusCode}`));
        const body = Buffer.concat(chunks);
        const bytes = (res.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(body) : body).length;
        resolve({ ms: performance.now() - t, bytes });
      });
    }).on('error', reject);
  });
}

await timedGet();
const ms: number[] = [];
let bytes = 0;
for (let i = 0; i < Number(count); i++) {
  const r = await timedGet();
  ms.push(r.ms);
  bytes = r.bytes;
}
agent.destroy();
process.stdout.write(JSON.stringify({ ms, bytes }) + '\n');
