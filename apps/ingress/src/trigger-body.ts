// The trigger route's own body reader: the trigger is three short fields, and express's general body
// parsers (content negotiation, inflation, `qs`) cost the ingress more CPU per trigger than the rest of
// its 202. Errors carry body-parser's `type`s, so the shared error handler answers them as it does for
// every other app (400 invalid JSON, 413 over the limit, 415 encoding or charset).
import { parse as parseForm } from 'node:querystring';
import type { RequestHandler } from 'express';

type BodyKind = 'json' | 'form';

class BodyError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
    readonly limit?: number,
  ) {
    super(message);
  }
}

/** `application/json` or a urlencoded form, as express's parsers take them; anything else is left to the route (415). */
function kindOf(contentType: string | undefined): { kind?: BodyKind; charset?: string } {
  if (contentType === undefined) return {};
  const [media = '', ...params] = contentType.split(';');
  const type = media.trim().toLowerCase();
  const charsetParam = params.find((param) => param.trim().toLowerCase().startsWith('charset='));
  const charset = charsetParam?.split('=')[1]?.trim().replace(/^"|"$/g, '').toLowerCase();
  if (type === 'application/json') {
    return { kind: 'json', ...(charset && { charset }) };
  }
  if (type === 'application/x-www-form-urlencoded') return { kind: 'form', ...(charset && { charset }) };
  return {};
}

/** As many form fields as express's urlencoded parser takes; more is a 413. */
const MAX_FORM_FIELDS = 1_000;

function tooManyFields(text: string): boolean {
  let fields = 0;
  let at = -1;
  do {
    fields += 1;
    if (fields > MAX_FORM_FIELDS) return true;
    at = text.indexOf('&', at + 1);
  } while (at !== -1);
  return false;
}

function parseBody(kind: BodyKind, text: string): unknown {
  if (text.length === 0) return {};
  if (kind === 'form') {
    if (tooManyFields(text)) throw new BodyError('parameters.too.many', 413, 'too many parameters');
    return parseForm(text, '&', '=', { maxKeys: MAX_FORM_FIELDS });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError('entity.parse.failed', 400, 'invalid JSON');
  }
}

/** Reads a JSON or urlencoded body of at most `limitBytes` into `req.body`. */
export function triggerBody(limitBytes: number): RequestHandler {
  return (req, _res, next) => {
    const { kind, charset } = kindOf(req.headers['content-type']);
    if (kind === undefined) {
      next();
      return;
    }
    const encoding = req.headers['content-encoding']?.toLowerCase();
    if (encoding !== undefined && encoding !== 'identity') {
      next(new BodyError('encoding.unsupported', 415, `unsupported content encoding "${encoding}"`));
      return;
    }
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      next(new BodyError('charset.unsupported', 415, `unsupported charset "${charset}"`));
      return;
    }
    const tooLarge = () => new BodyError('entity.too.large', 413, 'request entity too large', limitBytes);
    if (Number(req.headers['content-length'] ?? 0) > limitBytes) {
      req.resume();
      next(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      next(error);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limitBytes) {
        settle(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    // A client that goes away mid-body destroys the request with an error ('aborted' is deprecated).
    req.on('error', () => settle(new BodyError('request.aborted', 400, 'request aborted')));
    req.on('end', () => {
      if (settled) return;
      try {
        const text =
          chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
        req.body = parseBody(kind, text);
      } catch (error) {
        settle(error);
        return;
      }
      settle();
    });
  };
}
