/** A damaged database is named as such when `podium serve` starts, wherever the damage is. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { podium } from '../helpers/cli.js';
import { makeWorld } from './helpers.js';

const { root, challengesRoot, cleanup } = makeWorld();
afterAll(() => cleanup());

describe('damaged database', () => {
  it('says a damaged database is damaged (found at start, also in the middle), not "a bug in podium"', () => {
    const dir = path.join(root, 'damaged');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'podium.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, t TEXT)');
    const insert = db.prepare('INSERT INTO filler (t) VALUES (?)');
    for (let i = 0; i < 400; i++) insert.run('x'.repeat(200));
    db.close();
    // Garbage over a page in the middle (page 1, the header, stays intact).
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 4096 * 10);
    fs.closeSync(fd);
    const r = podium(['serve', '--port', '0', '--db', file, '--challenges', challengesRoot]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the database podium\.sqlite is damaged.*\(.+\); restore it from a backup/);
    expect(r.stderr).not.toMatch(/bug in podium/);
    fs.writeFileSync(file, 'not a database at all, just text '.repeat(200));
    fs.rmSync(`${file}-wal`, { force: true });
    fs.rmSync(`${file}-shm`, { force: true });
    const text = podium(['serve', '--port', '0', '--db', file, '--challenges', challengesRoot]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/the database podium\.sqlite is damaged or not a podium database/);
  });
});
