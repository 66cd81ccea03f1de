/**
 * Where submission files live, content-addressed by sha256 (`<first two hex>/<sha256><ext>`,
 * the same key on every backend): a local folder (the default, beside a SQLite file), or an
 * S3-compatible bucket (`--storage s3://bucket/prefix`) shared by every server and worker.
 *
 * S3: the endpoint comes from PODIUM_S3_ENDPOINT (or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL;
 * unset means AWS itself), the region from AWS_REGION (default us-east-1) and the credentials
 * from the SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles). An
 * upload is streamed from its validated temp file in 8 MiB multipart parts (never whole in
 * memory); a worker streams the object to a local temp file, checking its sha256 on the way.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extensionOf, storeUpload } from './upload.js';

/** The stored file of a submission is gone (deleted, a bucket emptied): the server's problem, and retrying will not help. */
export class StoredFileMissing extends Error {
  constructor() {
    super('the stored file of this submission is missing on the server; the organisers have to restore it, or it can be uploaded again');
  }
}

export interface LocalCopy {
  file: string;
  /** Deletes the copy when it was downloaded (a local folder's file stays). */
  release(): Promise<void>;
}

export interface SubmissionStorage {
  /** Where files go, for logs and messages (no credentials). */
  readonly location: string;
  /** A local folder for uploads in progress and downloaded copies. */
  readonly tmpDir: string;
  /** Stores a validated local file under its sha256 and removes the local file; returns the key. */
  put(localFile: string, sha256: string, filename: string): Promise<string>;
  /** A local file with the stored content, for the readers (which need random access). */
  localCopy(key: string, sha256: string): Promise<LocalCopy>;
  /** Deletes a stored file that no row points to any more. */
  remove(key: string): Promise<void>;
}

/** The content-addressed key of a file. */
export function storageKey(sha256: string, filename: string): string {
  return `${sha256.slice(0, 2)}/${sha256}${extensionOf(filename)}`;
}

export class LocalStorage implements SubmissionStorage {
  readonly tmpDir: string;

  constructor(readonly dir: string) {
    this.tmpDir = path.join(dir, 'tmp');
  }

  get location(): string {
    return this.dir;
  }

  async put(localFile: string, sha256: string, filename: string): Promise<string> {
    return storeUpload(this.dir, { tmpPath: localFile, sha256, filename });
  }

  async localCopy(key: string): Promise<LocalCopy> {
    const file = path.join(this.dir, key);
    if (!fs.existsSync(file)) throw new StoredFileMissing();
    return { file, release: async () => undefined };
  }

  async remove(key: string): Promise<void> {
    fs.rmSync(path.join(this.dir, key), { force: true });
  }
}

/** Parses `s3://bucket/prefix` (the prefix may be empty). */
export function parseS3Url(spec: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(spec);
  if (!m) throw new Error(`--storage ${spec}: expected s3://bucket/prefix with a bucket name of 3-63 lower-case letters, digits, dots and dashes`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: m[1]!, prefix: prefix ? `${prefix}/` : '' };
}

/** A stream step that hashes what passes through. */
function hashing(hash: crypto.Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
}

export class S3Storage implements SubmissionStorage {
  readonly location: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private clientPromise: Promise<import('@aws-sdk/client-s3').S3Client> | undefined;

  /** Downloads for scoring: beside tmpDir, not in it (the upload sweep at start must not take them). */
  private readonly fetchDir: string;

  constructor(spec: string, readonly tmpDir: string) {
    this.fetchDir = path.join(path.dirname(tmpDir), 'fetch');
    const { bucket, prefix } = parseS3Url(spec);
    this.bucket = bucket;
    this.prefix = prefix;
    this.location = `s3://${bucket}/${prefix}`;
  }

  /** The SDK is loaded only when S3 is used. */
  private client(): Promise<import('@aws-sdk/client-s3').S3Client> {
    this.clientPromise ??= import('@aws-sdk/client-s3').then(({ S3Client }) => {
      const endpoint = process.env.PODIUM_S3_ENDPOINT ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
      return new S3Client({
        region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
        // Self-hosted servers (MinIO, s3rver, Ceph) are addressed by path, not by virtual host.
        ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
        maxAttempts: 5,
      });
    });
    return this.clientPromise;
  }

  async put(localFile: string, sha256: string, filename: string): Promise<string> {
    const key = storageKey(sha256, filename);
    const client = await this.client();
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const exists = await client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key })).then(
      () => true,
      (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
        if (e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404) return false;
        throw e;
      },
    );
    if (!exists) {
      const { Upload } = await import('@aws-sdk/lib-storage');
      const upload = new Upload({
        client,
        params: { Bucket: this.bucket, Key: this.prefix + key, Body: fs.createReadStream(localFile), Metadata: { sha256 } },
        partSize: 8 * 1024 * 1024,
        queueSize: 2,
      });
      await upload.done();
    }
    fs.rmSync(localFile, { force: true });
    return key;
  }

  async localCopy(key: string, sha256: string): Promise<LocalCopy> {
    const client = await this.client();
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    fs.mkdirSync(this.fetchDir, { recursive: true });
    const file = path.join(this.fetchDir, `fetch-${process.pid}-${crypto.randomBytes(6).toString('hex')}${path.extname(key)}`);
    const release = async () => fs.rmSync(file, { force: true });
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key })).catch((e: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
        throw e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404 ? new StoredFileMissing() : e;
      });
      const hash = crypto.createHash('sha256');
      await pipeline(got.Body as NodeJS.ReadableStream, hashing(hash), fs.createWriteStream(file));
      const actual = hash.digest('hex');
      if (actual !== sha256) throw new Error(`stored file ${key} is damaged: its sha256 is ${actual}`);
    } catch (e) {
      await release();
      throw e;
    }
    return { file, release };
  }

  async remove(key: string): Promise<void> {
    const client = await this.client();
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
  }
}

/** A local folder path, or s3://bucket/prefix (downloads and uploads in progress go to `tmpDir`). */
export function openStorage(spec: string, tmpDir = path.join(os.tmpdir(), 'podium-s3', 'tmp')): SubmissionStorage {
  return spec.startsWith('s3://') ? new S3Storage(spec, tmpDir) : new LocalStorage(path.resolve(spec));
}
