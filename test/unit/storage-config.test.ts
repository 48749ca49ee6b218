/** STORAGE_URL and the S3_* variables (src/config.ts): what selects which store, and what is refused. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const SECRET = 'very-secret-key-0123456789';
const storage = (env: Record<string, string>) => loadConfig(env).storage;
const refusal = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('attachment storage configuration', () => {
  it('neither STORAGE_URL nor S3_BUCKET: the local UPLOADS_DIR', () => {
    expect(storage({})).toEqual({ kind: 'local' });
  });

  it('STORAGE_URL with bucket, prefix, endpoint, region and path style; keys from their own variables', () => {
    expect(
      storage({
        STORAGE_URL: 's3://my-bucket/uv/prod/?endpoint=http%3A%2F%2F127.0.0.1%3A9000%2F&region=eu-west-1&force_path_style=1',
        S3_ACCESS_KEY_ID: 'AKIA1',
        S3_SECRET_ACCESS_KEY: SECRET,
      }),
    ).toEqual({
      kind: 's3',
      bucket: 'my-bucket',
      prefix: 'uv/prod/',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIA1', secretAccessKey: SECRET },
    });
  });

  it('AWS S3 itself: no endpoint, virtual-hosted style, the SDK finds credentials (AWS_* accepted too)', () => {
    expect(storage({ STORAGE_URL: 's3://my-bucket', AWS_REGION: 'us-west-2' })).toEqual({
      kind: 's3',
      bucket: 'my-bucket',
      prefix: '',
      endpoint: undefined,
      region: 'us-west-2',
      forcePathStyle: false,
      credentials: undefined,
    });
    expect(storage({ STORAGE_URL: 's3://my-bucket', AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: SECRET })).toMatchObject({
      credentials: { accessKeyId: 'A', secretAccessKey: SECRET },
      region: 'us-east-1',
    });
  });

  it('the separate variables say the same as the URL', () => {
    expect(
      storage({
        S3_BUCKET: 'my-bucket',
        S3_PREFIX: 'uv',
        S3_ENDPOINT: 'https://account.r2.cloudflarestorage.com',
        S3_REGION: 'auto',
        S3_FORCE_PATH_STYLE: '0',
      }),
    ).toEqual({
      kind: 's3',
      bucket: 'my-bucket',
      prefix: 'uv/',
      endpoint: 'https://account.r2.cloudflarestorage.com',
      region: 'auto',
      forcePathStyle: false,
      credentials: undefined,
    });
  });

  it('refuses bad values with a message that repeats no secret', () => {
    const cases: [Record<string, string>, string][] = [
      [{ STORAGE_URL: `s3://AKIA:${SECRET}@bucket` }, 'STORAGE_URL must not contain credentials; set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY'],
      [{ STORAGE_URL: `s3://bucket?endpoint=${encodeURIComponent(`http://a:${SECRET}@h`)}` }, 'the S3 endpoint must not contain credentials; set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY'],
      [{ STORAGE_URL: 'http://bucket' }, 'STORAGE_URL must start with s3://'],
      [{ STORAGE_URL: 'file:///srv/uploads' }, 'STORAGE_URL takes s3://…; for local storage leave it unset and set UPLOADS_DIR'],
      [{ STORAGE_URL: 's3://Bad_Bucket' }, 'the S3 bucket name "Bad_Bucket" is not valid (3–63 lower-case letters, digits, dots and hyphens)'],
      [{ STORAGE_URL: 's3://bucket?endpoint=ftp://x' }, 'the S3 endpoint must be an http:// or https:// URL'],
      [{ STORAGE_URL: 's3://bucket?secret=x' }, 'STORAGE_URL has an unknown parameter "secret" (endpoint, region, force_path_style)'],
      [{ STORAGE_URL: 's3://bucket?force_path_style=maybe' }, 'STORAGE_URL force_path_style must be 0 or 1, got "maybe"'],
      [{ S3_BUCKET: 'bucket', S3_FORCE_PATH_STYLE: 'maybe' }, 'S3_FORCE_PATH_STYLE must be 0 or 1, got "maybe"'],
      [{ STORAGE_URL: 's3://bucket', S3_BUCKET: 'bucket' }, 'set either STORAGE_URL or S3_BUCKET, not both'],
      [{ STORAGE_URL: 's3://bucket', S3_ACCESS_KEY_ID: 'A' }, 'set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither'],
    ];
    for (const [env, message] of cases) expect(refusal(env)).toBe(message);
  });
});
