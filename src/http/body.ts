import { HttpMethodEnum, koaBody } from 'koa-body';
import type { AppMiddleware } from './state.ts';

/**
 * JSON and url-encoded bodies only; multipart stays unparsed so the upload route can stream it.
 * Form bodies accept `;` as well as `&` between pairs (UserVoice's own token example uses `;`),
 * dotted keys (`links.forum=1`) and indexed arrays (`users[0].email=…`).
 */
export function parseBody(limitBytes: number): AppMiddleware {
  const middleware = koaBody({
    json: true,
    urlencoded: true,
    text: false,
    multipart: false,
    jsonStrict: true,
    jsonLimit: limitBytes,
    formLimit: limitBytes,
    parsedMethods: [HttpMethodEnum.POST, HttpMethodEnum.PUT, HttpMethodEnum.PATCH, HttpMethodEnum.DELETE],
    queryString: {
      delimiter: /[;&]/,
      allowDots: true,
      depth: 5,
      // Batch imports take up to 1,000 items of up to a dozen fields each (`users[999].account.plan=…`);
      // past these limits the body is refused (400), never silently cut short.
      arrayLimit: 1000,
      parameterLimit: 20_000,
      throwOnLimitExceeded: true,
      allowPrototypes: false,
    },
  });
  return middleware as unknown as AppMiddleware;
}
