import type { Config } from '../config.ts';
import type { BlobStore } from './index.ts';
import { localStore } from './local.ts';
import { s3Store } from './s3.ts';

/** The attachment store the configuration names: an S3-compatible bucket, else UPLOADS_DIR on disk. */
export function openStore(config: Pick<Config, 'storage' | 'uploadsDir'>): BlobStore {
  return config.storage.kind === 's3' ? s3Store(config.storage) : localStore(config.uploadsDir);
}
