/**
 * A real S3-compatible server for tests: s3rver (npm), in this process on 127.0.0.1 and a free port,
 * backed by a temp directory. It refuses an unknown access key id (InvalidAccessKeyId); it does not
 * verify SigV4 signatures themselves, so a wrong secret passes here and not on a real server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { loadConfig, type S3Config } from '../../src/config.ts';
import { s3Client } from '../../src/storage/s3.ts';

/** s3rver's built-in key pair. */
export const S3RVER_CREDENTIALS = { S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' };

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** STORAGE_URL and credentials for this bucket (a fresh key prefix per call, so tests do not share keys). */
  env(prefix?: string): Record<string, string>;
  /** Every object key in the bucket (under `prefix` when given). */
  keys(prefix?: string): Promise<string[]>;
  config(prefix?: string): S3Config;
  close(): Promise<void>;
}

export async function startS3(): Promise<TestS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-s3rver-'));
  const bucket = `uv-test-${randomBytes(4).toString('hex')}`;
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const env = (prefix = randomBytes(4).toString('hex')) => ({
    STORAGE_URL: `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&force_path_style=1`,
    ...S3RVER_CREDENTIALS,
  });
  const config = (prefix?: string) => {
    const storage = loadConfig(env(prefix)).storage;
    if (storage.kind !== 's3') throw new Error('expected an S3 storage configuration');
    return storage;
  };
  const client = s3Client(config('x'));
  return {
    endpoint,
    bucket,
    env,
    config,
    async keys(prefix = '') {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        out.push(...(page.Contents ?? []).map((c) => c.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out.sort();
    },
    async close() {
      client.destroy();
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
