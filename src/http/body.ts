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
      arrayLimit: 100,
      parameterLimit: 1000,
      allowPrototypes: false,
    },
  });
  return middleware as unknown as AppMiddleware;
}
