/**
 * Leaderboard server benchmark, over HTTP on loopback only:
 *   1. `podium serve` (built CLI) as a child process with a fresh database: SQLite (default)
 *      or PostgreSQL (`--backend postgres`, a new database on PODIUM_BENCH_PG, default the
 *      local test server); scoring in the server's threads (`--workers N`) or in
 *      `--worker-processes N` separate `podium worker` processes (the server then only validates);
 *   2. 200 participants register, then upload 2,000 classification submissions at
 *      concurrency 32 (upload latency = request start to the 202, validation included);
 *   3. scoring throughput until the queue is empty, then a check in the database that every
 *      accepted submission was scored exactly once (none lost, none doubled);
 *   4. the database is topped up to 10,000 scored submissions (direct inserts of score rows
 *      copied from real ones) and the leaderboard JSON and HTML page are timed (warm: from
 *      timed-gets.ts, a lean client in a process of its own).
 *   5. reads under a crowd: autocannon (a separate process) sends 2,000 requests at
 *      concurrency 64 to the JSON board, the page and /history, as browsers do (gzip, no ETag).
 * Run: npm run build && npx tsx bench/server/run.ts [--backend postgres] [--worker-processes 2]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { dropDatabase, psql } from '../../test/helpers/postgres.js';
import { parseCount } from '../lib/args.js';

const { values: flags } = parseArgs({
  options: {
    participants: { type: 'string', default: '200' },
    submissions: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    rows: { type: 'string', default: '1000' },
    fill: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '1' },
    'worker-processes': { type: 'string', default: '0' },
    backend: { type: 'string', default: 'sqlite' },
    crowd: { type: 'string', default: '2000' },
    'time-limit': { type: 'string', default: '900' },
    'skip-reads': { type: 'boolean', default: false },
    cli: { type: 'string', default: 'dist/cli.js' },
    'cpu-prof': { type: 'string' },
  },
});
const PARTICIPANTS = parseCount('participants', flags.participants!);
const SUBMISSIONS = parseCount('submissions', flags.submissions!);
const CONCURRENCY = parseCount('concurrency', flags.concurrency!);
const ROWS = parseCount('rows', flags.rows!);
const FILL = parseCount('fill', flags.fill!, 0);
const CROWD = parseCount('crowd', flags.crowd!);
const CLASSES = 100;
const deadline = Date.now() + parseCount('time-limit', flags['time-limit']!) * 1000;

const root = path.resolve('bench/out/server');
fs.rmSync(root, { recursive: true, force: true });
fs.mkdirSync(path.join(root, 'challenges/bench'), { recursive: true });

// A seeded generator so every run uploads the same files.
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);

const truth = ['id,expected,usage'];
const classOf: number[] = [];
for (let i = 0; i < ROWS; i++) {
  const c = Math.floor(rand() * CLASSES);
  classOf.push(c);
  truth.push(`img${i},c${c},${i % 2 ? 'Private' : 'Public'}`);
}
fs.writeFileSync(path.join(root, 'challenges/bench/solution.csv'), truth.join('\n') + '\n');
fs.writeFileSync(path.join(root, 'challenges/bench/challenge.yaml'), `id: bench
title: Server benchmark
task: classification
truth: solution.csv
primary_metric: top3_error
options: { predictions: 3 }
limits: { per_day: 1000, total: 1000, final_selections: 2, max_upload_mb: 10 }
phases:
  - { id: main, start: 2020-01-01T00:00:00Z, end: 2099-01-01T00:00:00Z }
`);

/** 64 distinct submissions of varying accuracy; uploads cycle through them. */
const variants: string[] = [];
for (let v = 0; v < 64; v++) {
  const p = 0.2 + 0.6 * rand();
  const lines = ['id,predicted'];
  for (let i = 0; i < ROWS; i++) {
    const right = rand() < p;
    const a = right ? classOf[i]! : (classOf[i]! + 1 + Math.floor(rand() * (CLASSES - 1))) % CLASSES;
    lines.push(`img${i},c${a} c${(a + 7) % CLASSES} c${(a + 13) % CLASSES}`);
  }
  variants.push(lines.join('\n') + '\n');
}

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      if (Date.now() > deadline) throw new Error('time limit reached');
      await fn(items[next++]!);
    }
  }));
}

// The bench reads and fills the database with the served build's own store, not this checkout's:
// opening migrates, and a newer schema (say, an index) under an older server would be measured as its.
const built = (file: string) => import(pathToFileURL(path.join(path.dirname(path.resolve(flags.cli!)), 'leaderboard', file)).href);
const { openStore } = (await built('open-store.js')) as typeof import('../../src/leaderboard/open-store.js');
const { rebuildPicks } = (await built('picks.js')) as typeof import('../../src/leaderboard/picks.js');

const WORKER_PROCESSES = parseCount('worker-processes', flags['worker-processes']!, 0);
const BACKEND = flags.backend === 'postgres' ? 'postgres' : 'sqlite';

/** A fresh database for the run: a SQLite file, or a new PostgreSQL database. */
function freshDatabase(): string {
  if (BACKEND === 'sqlite') return path.join(root, 'podium.sqlite');
  const admin = process.env.PODIUM_BENCH_PG ?? 'postgres://podium:podium@127.0.0.1:5432/postgres';
  const name = 'podium_bench';
  dropDatabase(admin, name);
  psql(admin, `CREATE DATABASE ${name}`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
}

function startProcess(args: string[], ready: RegExp): Promise<{ child: ReturnType<typeof spawn>; match: RegExpExecArray }> {
  // --cpu-prof DIR: each process writes a CPU profile there when it stops (open it in Chrome's DevTools).
  const profile = flags['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(flags['cpu-prof'])] : [];
  const child = spawn(process.execPath, [...profile, flags.cli!, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const untilReady = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (!m) return;
      // From here on its output (a JSON line per request) is read and dropped: kept, it grew
      // without bound and every chunk was searched from the start, a core's worth of the
      // bench's own CPU, and a pipe left unread would block the server's writes.
      child.stdout!.off('data', untilReady);
      child.stdout!.resume();
      resolve({ child, match: m });
    };
    child.stdout!.on('data', untilReady);
    child.once('exit', (c) => reject(new Error(`${args[0]} exited ${c}`)));
  });
}

/** CPU time (user + system) of a process, from /proc. */
function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}

/** autocannon in its own process: `amount` GETs at `connections`, latency percentiles in ms. */
function crowd(url: string, connections: number, amount: number): { p50: number; p99: number; max: number; rps: number; non2xx: number; errors: number; bytes: number } {
  // With --cpu-prof: when the step ran, on the profile's clock (monotonic microseconds).
  if (flags['cpu-prof']) process.stderr.write(`crowd ${url} from ${process.hrtime.bigint() / 1000n} us\n`);
  const bin = path.join(path.dirname(createRequire(import.meta.url).resolve('autocannon/package.json')), 'autocannon.js');
  const out = execFileSync(process.execPath, [bin, '-c', String(connections), '-a', String(amount), '-j', '-H', 'accept-encoding=gzip', url],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  const r = JSON.parse(out) as { latency: { p50: number; p99: number; max: number }; requests: { average: number }; non2xx: number; errors: number; throughput: { total: number }; '2xx': number };
  return { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, rps: r.requests.average, non2xx: r.non2xx, errors: r.errors, bytes: Math.round(r.throughput.total / Math.max(1, r['2xx'])) };
}

async function main() {
  const loadAtStart = os.loadavg().map((x) => x.toFixed(1)).join(' ');
  const db = freshDatabase();
  const storage = path.join(root, 'submissions');
  const { child, match } = await startProcess(['serve', '--host', '127.0.0.1', '--port', '0', '--db', db, '--storage', storage,
    '--challenges', path.join(root, 'challenges'), '--workers', WORKER_PROCESSES > 0 ? '0' : flags.workers!], /serving at (http:\/\/127\.0\.0\.1:\d+)/);
  const url = match[1]!;
  const workerProcs: ReturnType<typeof spawn>[] = [];
  for (let i = 0; i < WORKER_PROCESSES; i++) {
    workerProcs.push((await startProcess(['worker', '--db', db, '--storage', storage, '--challenges', path.join(root, 'challenges')], /podium worker ready/)).child);
  }
  try {
    // 1. participants
    const tokens: string[] = [];
    const regStart = performance.now();
    await pool(Array.from({ length: PARTICIPANTS }, (_, i) => i), CONCURRENCY, async (i) => {
      const r = await fetch(`${url}/api/participants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `participant ${i}`, email: `p${i}@example.org` }) });
      if (r.status !== 201) throw new Error(`register: ${r.status}`);
      tokens[i] = ((await r.json()) as { token: string }).token;
    });
    const regMs = performance.now() - regStart;

    // 2. uploads
    const uploadMs: number[] = [];
    const accepted: number[] = [];
    const uploadStart = performance.now();
    await pool(Array.from({ length: SUBMISSIONS }, (_, k) => k), CONCURRENCY, async (k) => {
      const form = new FormData();
      form.append('file', new Blob([variants[k % variants.length]!]), `sub${k}.csv`);
      form.append('description', `bench ${k}`);
      const t = performance.now();
      const r = await fetch(`${url}/api/challenges/bench/submissions`, { method: 'POST', headers: { authorization: `Bearer ${tokens[k % PARTICIPANTS]}` }, body: form });
      const body = (await r.json()) as { id: number };
      uploadMs.push(performance.now() - t);
      if (r.status !== 202) throw new Error(`upload ${k}: ${r.status} ${JSON.stringify(body)}`);
      accepted.push(body.id);
    });
    const uploadWall = performance.now() - uploadStart;

    // 3. scoring until the queue is empty
    for (;;) {
      if (Date.now() > deadline) throw new Error('time limit reached while scoring');
      const h = (await (await fetch(`${url}/api/health`)).json()) as { pending_jobs: number };
      if (h.pending_jobs === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const scoringWall = performance.now() - uploadStart;

    const store = await openStore(db);
    const q = store.sql;
    const span = (await q.get<{ first: number; last: number; n: number }>(`SELECT min(created_at) AS first, max(scored_at) AS last, count(*) AS n FROM submissions WHERE status = 'scored'`))!;
    const uniqueAccepted = new Set(accepted).size;
    const statuses = await q.all<{ status: string; n: number }>('SELECT status, count(*) AS n FROM submissions GROUP BY status ORDER BY status');
    const doubled = (await q.get<{ n: number }>(`SELECT count(*) AS n FROM (SELECT submission_id, split FROM scores GROUP BY submission_id, split HAVING count(*) > 1) d`))!.n;
    const missing = (await q.get<{ n: number }>(`SELECT count(*) AS n FROM submissions s WHERE (SELECT count(*) FROM scores c WHERE c.submission_id = s.id AND c.current = 1) != 3`))!.n;
    const jobs = await q.all('SELECT state, count(*) AS n, max(attempts) AS max_attempts FROM jobs GROUP BY state ORDER BY state');
    const cpu = os.cpus();
    const summary = () => [
      `machine: ${cpu[0]?.model} x ${cpu.length} cores, node ${process.version}`,
      `build: ${flags.cli}; backend: ${BACKEND}; scoring: ${WORKER_PROCESSES > 0 ? `${WORKER_PROCESSES} podium worker process(es) x 1 thread, the server validating only` : `${flags.workers} scoring thread(s) in the server`}; load average at the start ${loadAtStart}, at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
      `input: ${PARTICIPANTS} participants, ${SUBMISSIONS} uploads at concurrency ${CONCURRENCY}, classification truth ${ROWS} rows x ${CLASSES} classes (public/private), 1000 bootstrap resamples per split`,
      `register: ${PARTICIPANTS} in ${(regMs / 1000).toFixed(2)} s`,
      `upload (202, validated): p50 ${fmt(percentile(uploadMs, 0.5))}, p99 ${fmt(percentile(uploadMs, 0.99))}, ${SUBMISSIONS} in ${(uploadWall / 1000).toFixed(1)} s (${(SUBMISSIONS / (uploadWall / 1000)).toFixed(0)} uploads/s)`,
      `scoring: ${span.n} scored in ${((span.last - span.first) / 1000).toFixed(1)} s after the first upload (${(span.n / ((span.last - span.first) / 1000)).toFixed(1)} submissions/s incl. bootstrap); queue empty ${(scoringWall / 1000).toFixed(1)} s after the first upload`,
      `integrity: accepted ${accepted.length} (unique ids ${uniqueAccepted}); statuses ${JSON.stringify(statuses)}; doubled score rows ${doubled}; submissions without exactly 3 current scores ${missing}; jobs ${JSON.stringify(jobs)}`,
    ];

    const intact = accepted.length === SUBMISSIONS && uniqueAccepted === SUBMISSIONS && doubled === 0 && missing === 0;
    if (!intact) process.exitCode = 1;
    if (flags['skip-reads']) {
      await store.close();
      process.stdout.write([...summary(), '(board and crowd steps skipped: --skip-reads)', ...(intact ? [] : ['FAILED: lost or doubled submissions'])].join('\n') + '\n');
      return;
    }
    // 4. top up to FILL scored submissions with copies of real score rows, then time the board.
    const have = (await q.get<{ n: number }>('SELECT count(*) AS n FROM submissions'))!.n;
    const real = await q.all<any>(`SELECT s.id, s.team_id, s.participant_id, s.sha256, s.stored_path, s.size FROM submissions s ORDER BY id`);
    const rowsOf = new Map<number, any[]>();
    for (const r of real) rowsOf.set(r.id, await q.all('SELECT split, metrics_json, primary_value, ci_low, ci_high, bootstrap_samples, evaluator_version FROM scores WHERE submission_id = ? AND current = 1', [r.id]));
    await q.transaction(async (tx) => {
      for (let k = have; k < FILL; k++) {
        const src = real[k % real.length];
        const t = span.first + k * 1000;
        const { id } = (await tx.get<{ id: number }>(`INSERT INTO submissions (challenge_id, team_id, participant_id, phase_id, sha256, size, filename, stored_path, description, status, created_at, scored_at)
          VALUES ('bench', ?, ?, 'main', ?, ?, 'filler.csv', ?, 'filler', 'scored', ?, ?) RETURNING id`, [src.team_id, src.participant_id, src.sha256, src.size, src.stored_path, t, t]))!;
        for (const r of rowsOf.get(src.id)!) {
          await tx.run(`INSERT INTO scores (submission_id, split, metrics_json, primary_value, ci_low, ci_high, bootstrap_samples, evaluator_version, current, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`, [id, r.split, r.metrics_json, r.primary_value, r.ci_low, r.ci_high, r.bootstrap_samples, r.evaluator_version, t]);
        }
      }
      // Filler rows bypass the server: recompute the materialized per-team picks as it would.
      await rebuildPicks(tx, 'bench');
    });
    const total = (await q.get<{ n: number }>(`SELECT count(*) AS n FROM submissions WHERE status = 'scored'`))!.n;

    /** The server process's CPU time (user + system), from /proc: less sensitive to other load than latency. */
    const serverCpuMs = () => cpuMsOf(child.pid!);
    /** `n` GETs one after the other from timed-gets.ts (a lean client in its own process), after one uncached request. */
    const timeGet = async (p: string, n: number) => {
      const cold = performance.now();
      await (await fetch(url + p)).arrayBuffer();
      const coldMs = performance.now() - cold;
      const cpu0 = serverCpuMs();
      const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'timed-gets.ts'), url + p, String(n)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const { ms, bytes } = JSON.parse(out) as { ms: number[]; bytes: number };
      return { coldMs, p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), bytes, cpuMs: (serverCpuMs() - cpu0) / n };
    };
    /** The same with fetch() in this process, as this step was timed before timed-gets.ts (its own collections included). */
    const timeGetHere = async (p: string, n: number) => {
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await (await fetch(url + p)).arrayBuffer();
        ms.push(performance.now() - t);
      }
      return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99) };
    };
    const boardJson = await timeGet('/api/challenges/bench/leaderboard', 500);
    const boardPage = await timeGet('/challenges/bench', 500);
    const hereJson = await timeGetHere('/api/challenges/bench/leaderboard', 500);
    const herePage = await timeGetHere('/challenges/bench', 500);
    // Uncached: a write from another connection before each request (as a newly scored
    // submission would) makes the server recompute the board (and re-render the page).
    // (The version is part of the JSON board's encoding only through its cache key, so the bench
    // also changes a team's name each time: every recomputed board is then a new encoding.)
    let touches = 0;
    const touch = () => q.run(`UPDATE teams SET name = ? WHERE id = (SELECT min(id) FROM teams WHERE challenge_id = 'bench')`, [`renamed ${++touches}`])
      .then(() => q.run(`UPDATE challenges SET board_version = board_version + 1 WHERE id = 'bench'`));
    const timeCold = async (p: string, n: number) => {
      const ms: number[] = [];
      const cpu0 = serverCpuMs();
      // Each answer must be a new encoding (a new ETag): one served from before the write would be stale.
      let etag: string | null = null;
      let stale = 0;
      for (let i = 0; i < n; i++) {
        await touch();
        const t = performance.now();
        const r = await fetch(url + p);
        await r.arrayBuffer();
        ms.push(performance.now() - t);
        if (r.headers.get('etag') === etag) stale++;
        etag = r.headers.get('etag');
      }
      return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), cpuMs: (serverCpuMs() - cpu0) / n, stale };
    };
    const coldJson = await timeCold('/api/challenges/bench/leaderboard', 100);
    const coldPage = await timeCold('/challenges/bench', 100);
    // 5. a crowd from outside: autocannon in its own process; the server's CPU a request with it
    // (how long the server's event-loop iterations get: new connections wait for them).
    const crowdWithCpu = (u: string) => {
      const cpu0 = serverCpuMs();
      return { ...crowd(u, 64, CROWD), cpuMs: (serverCpuMs() - cpu0) / CROWD };
    };
    const crowdJson = crowdWithCpu(`${url}/api/challenges/bench/leaderboard`);
    const crowdPage = crowdWithCpu(`${url}/challenges/bench`);
    const crowdHistory = crowdWithCpu(`${url}/api/challenges/bench/history`);
    await store.close();

    const lines = [
      ...summary(),
      `leaderboard with ${total} scored submissions: JSON p50 ${fmt(boardJson.p50)}, p99 ${fmt(boardJson.p99)} (first, uncached ${fmt(boardJson.coldMs)}, ${boardJson.bytes} bytes); page p50 ${fmt(boardPage.p50)}, p99 ${fmt(boardPage.p99)} (first ${fmt(boardPage.coldMs)}, ${boardPage.bytes} bytes)`,
      `  the same timed with fetch() in the bench's own process (as before timed-gets.ts): JSON p50 ${fmt(hereJson.p50)}, p99 ${fmt(hereJson.p99)}; page p50 ${fmt(herePage.p50)}, p99 ${fmt(herePage.p99)}`,
      `  recomputed after every write: JSON p50 ${fmt(coldJson.p50)}, p99 ${fmt(coldJson.p99)}; page p50 ${fmt(coldPage.p50)}, p99 ${fmt(coldPage.p99)}; answers unchanged after a write (stale): JSON ${coldJson.stale}, page ${coldPage.stale}`,
      `  server CPU per request: JSON ${boardJson.cpuMs.toFixed(2)} ms warm, ${coldJson.cpuMs.toFixed(2)} ms recomputed; page ${boardPage.cpuMs.toFixed(2)} ms warm, ${coldPage.cpuMs.toFixed(2)} ms recomputed`,
      ...([['JSON board', crowdJson], ['page', crowdPage], ['/history (first page)', crowdHistory]] as const).map(([name, c]) =>
        `crowd (autocannon, ${flags.crowd} GETs at concurrency 64, gzip): ${name} p50 ${c.p50} ms, p99 ${c.p99} ms, max ${c.max} ms, ${c.rps.toFixed(0)} req/s, ${c.bytes} bytes/response, non-2xx ${c.non2xx}, errors ${c.errors}, server CPU ${c.cpuMs.toFixed(2)} ms a request`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    if (!intact) process.stdout.write('FAILED: lost or doubled submissions\n');
  } finally {
    for (const w of workerProcs) w.kill('SIGTERM');
    child.kill('SIGTERM');
  }
}

main().catch((e) => {
  process.stderr.write(`bench/server: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
