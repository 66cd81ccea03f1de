/** Unit checks below the HTTP layer: migrations, foreign keys, bootstrap arithmetic, queue leases. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapInterval, quantile } from '../../src/leaderboard/bootstrap.js';
import { mulberry32 } from '../../src/random.js';
import { MIGRATIONS, openDb, SqliteDatabase } from '../../src/leaderboard/db.js';
import { openStore } from '../../src/leaderboard/open-store.js';
import { MAX_ATTEMPTS, Queue } from '../../src/leaderboard/queue.js';
import { Store, utcDay } from '../../src/leaderboard/store.js';
import { TEST_PG, throwAwayPostgres } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-store-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('database', () => {
  it('migrates to the last version once, in WAL mode with foreign keys on', () => {
    const file = path.join(dir, 'a.sqlite');
    const db = openDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(() => db.prepare('INSERT INTO tokens (participant_id, token_hash, created_at) VALUES (999, ?, 0)').run('x')).toThrow(/FOREIGN KEY/);
    db.close();
    const again = openDb(file);
    expect(again.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    again.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    again.close();
    expect(() => openDb(file)).toThrow(/newer than this podium/);
  });

  it('keeps only token hashes', async () => {
    const store = new Store(new SqliteDatabase(openDb(path.join(dir, 'b.sqlite'))));
    const { token } = await store.createParticipant('p', 'p@x.org', 0);
    expect(JSON.stringify(await store.sql.all('SELECT * FROM tokens'))).not.toContain(token);
    expect((await store.participantByToken(token))?.name).toBe('p');
    expect(await store.participantByToken(token + 'x')).toBeUndefined();
    await store.close();
  });

  it('runs one transaction at a time on a SQLite connection, even when bodies await', async () => {
    const store = new Store(new SqliteDatabase(openDb(path.join(dir, 'tx.sqlite'))));
    const order: string[] = [];
    const a = store.sql.transaction(async (tx) => {
      order.push('a begins');
      await tx.run(`INSERT INTO participants (name, email, created_at) VALUES ('a', 'a@x.org', 0)`);
      await new Promise((r) => setTimeout(r, 20));
      order.push('a ends');
    });
    // Outside the transaction: waits for it instead of landing inside it.
    const b = store.sql.run(`INSERT INTO participants (name, email, created_at) VALUES ('b', 'b@x.org', 0)`).then(() => order.push('b'));
    const c = store.sql.transaction(async () => {
      order.push('c');
      throw new Error('rolled back');
    }).catch((e: Error) => order.push(e.message));
    await Promise.all([a, b, c]);
    expect(order.slice(0, 2)).toEqual(['a begins', 'a ends']);
    expect(order.slice(2).sort()).toEqual(['b', 'c', 'rolled back']);
    expect((await store.sql.all<{ name: string }>('SELECT name FROM participants ORDER BY id')).map((r) => r.name)).toEqual(['a', 'b']);
    await store.close();
  });
});

describe('bootstrap', () => {
  it('interpolates quantiles like numpy (linear)', () => {
    // numpy.quantile([0.3, 0.1, 0.7, 0.5, 0.2, 0.9, 0.4], [0.025, 0.975, 0.5])
    const sorted = [0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9];
    expect(quantile(sorted, 0.025)).toBeCloseTo(0.115, 12);
    expect(quantile(sorted, 0.975)).toBeCloseTo(0.87, 12);
    expect(quantile(sorted, 0.5)).toBeCloseTo(0.4, 12);
  });

  it('is reproducible for a seed and covers the mean of a 0/1 sample', () => {
    const values = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const resampler = {
      size: values.length,
      score(ix: Uint32Array) {
        let s = 0;
        for (const i of ix) s += values[i]!;
        return { mean: s / ix.length };
      },
    };
    const a = bootstrapInterval(resampler, 'mean', 7, 500)!;
    const b = bootstrapInterval(resampler, 'mean', 7, 500)!;
    expect(a).toEqual(b);
    // Normal approximation: 0.25 ± 1.96 * sqrt(0.25 * 0.75 / 400) = [0.2076, 0.2924].
    expect(a.low).toBeGreaterThan(0.19);
    expect(a.low).toBeLessThan(0.225);
    expect(a.high).toBeGreaterThan(0.275);
    expect(a.high).toBeLessThan(0.31);
    const r = mulberry32(1);
    expect(r()).not.toBe(r());
  });
});

describe(`queue leases (${TEST_PG ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('reclaims an expired lease and fails a job that keeps losing its worker', async () => {
    const pg = TEST_PG ? throwAwayPostgres(TEST_PG) : undefined;
    const store = await openStore(pg?.url ?? path.join(dir, 'c.sqlite'));
    try {
      const db = store.sql;
      await db.run(`INSERT INTO challenges (id, title, task, truth, primary_metric, higher_is_better, options_json, limits_json, synced_at)
                    VALUES ('c', 'C', 'classification', '/nowhere', 'top1_error', 0, '{}', '{"per_day":5,"total":9,"final_selections":2,"max_upload_mb":1}', 0)`);
      await db.run(`INSERT INTO phases VALUES ('c', 'main', 0, 100000000)`);
      const { participant } = await store.createParticipant('p', 'p@x.org', 0);
      const team = await store.ensureTeam('c', participant, 0);
      const { submission } = await store.addSubmission({ challenge: (await store.challenge('c'))!, team, participant, phaseId: 'main', sha256: 'ab', size: 1, filename: 'f.csv', storedPath: 'ab/ab.csv', description: '', now: 0 });
      // Other owners on other hosts: only the lease expiry can free their jobs.
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const q = new Queue(db, `elsewhere|1|${attempt}`, 1000);
        const job = (await q.claim(attempt * 10_000))!;
        expect(job.attempts).toBe(attempt);
        expect((await store.submission(submission.id))!.status).toBe('scoring');
        // Claimed: nobody else gets it.
        expect(await new Queue(db, 'third-host|3|y', 1000).claim(attempt * 10_000 + 1)).toBeUndefined();
        const next = new Queue(db, 'other-host|2|x', 1000);
        expect(await next.reclaim(attempt * 10_000 + 500)).toBe(0); // lease still valid
        expect(await next.reclaim(attempt * 10_000 + 1500)).toBe(1);
        // The first owner's late result is discarded: exactly once.
        expect(await q.complete(job, 'v', [], attempt * 10_000 + 1600)).toBe(false);
      }
      const s = (await store.submission(submission.id))!;
      expect(s.status).toBe('failed');
      expect(s.error).toMatch(/interrupted 3 times/);
      expect((await store.usage(team.id, 0)).total).toBe(0);
      expect(utcDay(Date.parse('2026-03-04T15:00:00Z')).next).toBe(Date.parse('2026-03-05T00:00:00Z'));
    } finally {
      await store.close();
      pg?.drop();
    }
  });
});
