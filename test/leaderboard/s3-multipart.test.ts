/**
 * S3 storage against a real S3-compatible server (s3rver, its own process over HTTP): a file
 * larger than one part is uploaded in 8 MiB multipart parts (never one whole-file PUT), stored
 * under its sha256, and read back as a stream whose sha256 is checked.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/leaderboard/storage.js';
import { S3_BUCKET, startS3 } from './processes.js';

const MIB = 1024 * 1024;

describe('S3 storage', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-s3-multipart-'));
  let s3: Awaited<ReturnType<typeof startS3>>;
  const saved: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    s3 = await startS3(path.join(root, 's3'));
    for (const [k, v] of Object.entries(s3.env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await s3?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('uploads a 17 MiB file in three 8 MiB multipart parts and reads it back checked', async () => {
    const file = path.join(root, 'upload.csv');
    const bytes = crypto.randomBytes(17 * MIB);
    fs.writeFileSync(file, bytes);
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    const storage = openStorage(`s3://${S3_BUCKET}/multipart`, path.join(root, 'tmp'));

    const key = await storage.put(file, sha256, 'upload.csv');
    expect(key).toBe(`${sha256.slice(0, 2)}/${sha256}.csv`);
    expect(fs.existsSync(file)).toBe(false);
    // s3rver logs each request: one multipart upload started, then parts 1, 2 and 3.
    const requests = s3.output().split('\n').filter((l) => l.includes(sha256));
    expect(requests.filter((l) => /\?uploads=/.test(l))).toHaveLength(1);
    expect(requests.flatMap((l) => /partNumber=(\d+)/.exec(l)?.[1] ?? []).sort()).toEqual(['1', '2', '3']);

    const copy = await storage.localCopy(key, sha256);
    try {
      expect(crypto.createHash('sha256').update(fs.readFileSync(copy.file)).digest('hex')).toBe(sha256);
    } finally {
      await copy.release();
    }
    // A copy whose content does not match its name is refused.
    await expect(storage.localCopy(key, '0'.repeat(64))).rejects.toThrow(/is damaged: its sha256 is/);
  });
});
