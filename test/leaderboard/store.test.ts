/** Unit checks below the HTTP layer: migrations, foreign keys, bootstrap arithmetic, queue leases. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapInterval, quantile } from '../../src/leaderboard/bootstrap.js';
import { mulberry32 } from '../../src/random.js';
import { MIGRATIONS, openDb } from '../../src/leaderboard/db.js';
import { MAX_ATTEMPTS, Queue } from '../../src/leaderboard/queue.js';
import { Store, utcDay } from '../../src/leaderboard/store.js';

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

  it('keeps only token hashes', () => {
    const db = openDb(path.join(dir, 'b.sqlite'));
    const store = new Store(db);
    const { token } = store.createParticipant('p', 'p@x.org', 0);
    expect(JSON.stringify(db.prepare('SELECT * FROM tokens').all())).not.toContain(token);
    expect(store.participantByToken(token)?.name).toBe('p');
    expect(store.participantByToken(token + 'x')).toBeUndefined();
    db.close();
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

describe('queue leases', () => {
  it('reclaims an expired lease and fails a job that keeps losing its worker', () => {
    const db = openDb(path.join(dir, 'c.sqlite'));
    const store = new Store(db);
    db.prepare(`INSERT INTO challenges (id, title, task, truth, primary_metric, higher_is_better, options_json, limits_json, synced_at)
                VALUES ('c', 'C', 'classification', '/nowhere', 'top1_error', 0, '{}', '{"per_day":5,"total":9,"final_selections":2,"max_upload_mb":1}', 0)`).run();
    db.prepare(`INSERT INTO phases VALUES ('c', 'main', 0, 100000000)`).run();
    const { participant } = store.createParticipant('p', 'p@x.org', 0);
    const team = store.ensureTeam('c', participant, 0);
    const { submission } = store.addSubmission({ challenge: store.challenge('c')!, team, participant, phaseId: 'main', sha256: 'ab', size: 1, filename: 'f.csv', storedPath: 'ab/ab.csv', description: '', now: 0 });
    // Other owners on other hosts: only the lease expiry can free their jobs.
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const q = new Queue(db, store, `elsewhere|1|${attempt}`, 1000);
      const job = q.claim(attempt * 10_000)!;
      expect(job.attempts).toBe(attempt);
      expect(store.submission(submission.id)!.status).toBe('scoring');
      const next = new Queue(db, store, 'other-host|2|x', 1000);
      expect(next.reclaim(attempt * 10_000 + 500)).toBe(0); // lease still valid
      expect(next.reclaim(attempt * 10_000 + 1500)).toBe(1);
      // The first owner's late result is discarded: exactly once.
      expect(q.complete(job, 'v', [], attempt * 10_000 + 1600)).toBe(false);
    }
    const s = store.submission(submission.id)!;
    expect(s.status).toBe('failed');
    expect(s.error).toMatch(/interrupted 3 times/);
    expect(store.usage(team.id, 0).total).toBe(0);
    expect(utcDay(Date.parse('2026-03-04T15:00:00Z')).next).toBe(Date.parse('2026-03-05T00:00:00Z'));
    db.close();
  });
});
