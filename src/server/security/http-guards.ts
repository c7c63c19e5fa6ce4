import { createHash } from 'node:crypto';
import cors from 'cors';
import type express from 'express';
import helmet from 'helmet';
import type { Config } from '../../config';

/**
 * Security headers (helmet, the usual Express choice): the API answers JSON only, so its policy
 * forbids everything a page could load; the GraphiQL page gets its own policy allowing its bundled
 * scripts (from this server) and its one inline script, by hash.
 */
export function securityHeaders(config: Config): express.RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } },
    crossOriginResourcePolicy: { policy: config.corsOrigins.length ? 'cross-origin' : 'same-origin' },
    hsts: config.nodeEnv === 'production',
    referrerPolicy: { policy: 'no-referrer' },
  });
}

export function graphiqlCsp(html: string): string {
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
  return [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`,
    // GraphiQL (React, CodeMirror) sets style attributes
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** CORS for the origins of CORS_ORIGINS only (none by default: browsers on other sites cannot read answers). */
export function corsFor(config: Config): express.RequestHandler {
  const any = config.corsOrigins.includes('*');
  const allowed = new Set(config.corsOrigins);
  return cors({
    origin: (origin, cb) => cb(null, any ? true : origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id'],
    exposedHeaders: ['retry-after', 'ratelimit-limit', 'ratelimit-remaining'],
    maxAge: 600,
  });
}

/**
 * An HTTP request not answered within REQUEST_TIMEOUT_MS gets 503 TIMEOUT (work still running is
 * bounded by PostgreSQL's statement_timeout); whatever the handler writes later is dropped.
 */
export function requestTimeout(ms: number): express.RequestHandler {
  return (_req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      res.locals.timedOut = true;
      res
        .status(503)
        .set('retry-after', '1')
        .json({ errors: [{ message: `The request was not answered within ${ms} ms and was stopped.`, extensions: { code: 'TIMEOUT' } }] });
    }, ms);
    timer.unref();
    const done = () => clearTimeout(timer);
    res.once('finish', done);
    res.once('close', done);
    next();
  };
}
