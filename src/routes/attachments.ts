import { Readable } from 'node:stream';
import Router from '@koa/router';
import sharp from 'sharp';
import type { AppDeps } from '../deps.ts';
import type { DB } from '../db/schema.ts';
import { ApiError, RecordNotFoundError, ValidationError } from '../errors.ts';
import { uploadParser } from '../http/upload.ts';
import { authOf, emOf, type AppContext, type AppState } from '../http/state.ts';
import { attachments, THUMBNAIL_TYPES } from '../resources/attachments.ts';
import { createAttachment, deleteAttachment } from '../services/attachments.ts';
import { pathId, respondWith, snapshot } from './collection.ts';
import { envelopeResponses, idParameter, type Operations } from '../openapi/spec.ts';

const THUMBNAIL_SIZE = 200;
/** sharp refuses larger images (decompression bombs). */
const THUMBNAIL_MAX_PIXELS = 50_000_000;

/** /admin/attachments: upload (multipart, part `file`), list, get, delete. */
export function attachmentsRouter(deps: AppDeps): Router<AppState> {
  const { env, store } = deps;
  const router = new Router<AppState>();
  const parse = uploadParser(store, deps.log);
  router.post('/attachments', async (ctx) => {
    const file = await parse(ctx);
    if (!file) throw new ValidationError({ file: ["can't be blank"] });
    if (file.size === 0) {
      await store.delete(file.key);
      throw new ValidationError({ file: ['is empty'] });
    }
    const id = await createAttachment(emOf(ctx), store, file, authOf(ctx).userId);
    await respondWith(ctx, attachments, [id], env);
  });
  router.delete('/attachments/:id', async (ctx) => {
    const id = pathId(ctx);
    const body = await snapshot(ctx, attachments, id, env);
    await deleteAttachment(emOf(ctx), store, id);
    ctx.body = body;
  });
  return router;
}

/** `filename*` (RFC 8187) plus an ASCII fallback without quotes, backslashes or control characters. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

class ForbiddenError extends ApiError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

/**
 * GET /api/v2/attachments/{id}/download|thumbnail — no Bearer token: the signed, expiring query string
 * is the authorisation (it is what `url` and `thumb_url` carry).
 */
export function downloadsRouter({ orm, store, urls }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();

  async function authorised(ctx: AppContext, kind: 'download' | 'thumbnail') {
    const id = pathId(ctx);
    const verdict = urls.verify(`/api/v2/attachments/${id}/${kind}`, ctx.query.expires, ctx.query.signature);
    if (verdict === 'invalid') throw new ForbiddenError('The link is not valid');
    if (verdict === 'expired') throw new ForbiddenError('The link has expired; read the attachment again for a fresh url');
    const row = await orm.em
      .getKysely<DB>()
      .selectFrom('attachments')
      .select(['file_name', 'content_type', 'size_in_bytes', 'storage_key'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new RecordNotFoundError();
    return row;
  }

  const secure = (ctx: AppContext) =>
    ctx.set({
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, max-age=60',
    });

  router.get('/attachments/:id/download', async (ctx) => {
    const row = await authorised(ctx, 'download');
    const stream = await store.get(row.storage_key);
    if (!stream) throw new RecordNotFoundError();
    secure(ctx);
    ctx.set('Content-Disposition', contentDisposition(row.file_name));
    // Exactly the stored type: ctx.type would append a charset to text types.
    ctx.set('Content-Type', row.content_type);
    ctx.length = row.size_in_bytes;
    ctx.body = stream;
  });

  router.get('/attachments/:id/thumbnail', async (ctx) => {
    const row = await authorised(ctx, 'thumbnail');
    if (!THUMBNAIL_TYPES.includes(row.content_type)) throw new RecordNotFoundError();
    const thumbKey = `${row.storage_key}.thumb`;
    let thumb = await store.get(thumbKey);
    if (!thumb) {
      // Made on first request and kept beside the original.
      const original = await store.get(row.storage_key);
      if (!original) throw new RecordNotFoundError();
      const resize = sharp({ limitInputPixels: THUMBNAIL_MAX_PIXELS, animated: false })
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
        .png();
      let png: Buffer;
      try {
        png = await original.pipe(resize).toBuffer();
      } catch {
        throw new ApiError(422, 'unprocessable_image', 'The image cannot be read to make a thumbnail');
      }
      await store.put(thumbKey, Readable.from(png));
      thumb = Readable.from(png);
    }
    secure(ctx);
    ctx.set('Content-Disposition', 'inline');
    ctx.type = 'image/png';
    ctx.body = thumb;
  });
  return router;
}

const binary = (description: string) => ({ description, content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } });
const signedQuery = ['expires', 'signature'].map((name) => ({ name, in: 'query', required: true, schema: { type: 'string' }, description: 'Part of the signed link' }));

/** OpenAPI entries for the routes above that are not plain collection routes (src/openapi). */
export const attachmentsOperations: Operations = {
  'POST /api/v2/admin/attachments': {
    summary: 'Upload an attachment',
    description: 'Link it to a suggestion or note with its `token` (`attachment_tokens`).',
    tags: ['attachments'],
    requestBody: {
      required: true,
      content: { 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', contentMediaType: 'application/octet-stream' } }, required: ['file'] } } },
    },
    responses: { ...envelopeResponses('attachments', ['413', '422']), 507: { $ref: '#/components/responses/E507' } },
  },
  'GET /api/v2/attachments/{id}/download': {
    summary: "An attachment's bytes (its signed `url`)",
    tags: ['attachments'],
    security: [],
    parameters: [idParameter, ...signedQuery],
    responses: { 200: binary('The file, as an attachment'), 403: { $ref: '#/components/responses/E403' }, 404: { $ref: '#/components/responses/E404' } },
  },
  'GET /api/v2/attachments/{id}/thumbnail': {
    summary: "An image attachment's thumbnail (its signed `thumb_url`)",
    tags: ['attachments'],
    security: [],
    parameters: [idParameter, ...signedQuery],
    responses: { 200: binary('The thumbnail'), 403: { $ref: '#/components/responses/E403' }, 404: { $ref: '#/components/responses/E404' } },
  },
};
