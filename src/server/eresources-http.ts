import { createHmac } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MikroORM } from '@mikro-orm/core';
import express from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { query } from '../db/sql';
import type { Viewer } from '../modules/auth/viewer';
import type { EventHub } from '../modules/events/event-hub';
import { OaiArgs, OaiProvider } from '../modules/eresources/oai.service';
import { runtime } from '../modules/eresources/runtime';
import { UploadRefused } from '../modules/eresources/sniff';
import { receiveUpload } from '../modules/eresources/upload.service';
import { buildContext } from './context';

export interface EResourceRoutesDeps {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  events: EventHub | null;
  /** The viewer of a request's Authorization header; throws (UNAUTHENTICATED) for a bad token. */
  viewerOf(authorization: string | undefined): Promise<Viewer>;
}

type FileRow = { sha256: string; filename: string; content_type: string };
const FILE_ROW_TTL_MS = 5000;
const FILE_ROWS_KEPT = 5000;

function sendError(res: express.Response, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * Lets a refused upload's remaining body drain (for a second at most) before answering: a client
 * still sending when the server closes would see a broken pipe instead of the answer.
 */
async function drained(req: express.Request, res: express.Response): Promise<void> {
  req.resume();
  if (req.complete || req.readableEnded) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      res.setHeader('Connection', 'close');
      resolve();
    }, 1000);
    req.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    req.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** RFC 6266 inline disposition with an ASCII fallback and the UTF-8 name. */
function inline(filename: string): string {
  const ascii = filename.normalize('NFD').replace(/[^\x20-\x7E]/g, '').replace(/["\\]/g, '_') || 'file';
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * The digital library's HTTP endpoints beside /graphql: `POST /files` (authenticated multipart
 * upload, answers the file id), `GET|HEAD /files/:id` (signed links from openEResource, with HTTP
 * Range), and `/oai` (OAI-PMH 2.0, GET and POST).
 */
export function mountEResourceRoutes(app: express.Express, deps: EResourceRoutesDeps): void {
  const { config, logger, orm, events } = deps;
  const rootEm = orm.em as EntityManager;
  const { storage, signer } = runtime(config);

  /**
   * File rows by id for signed links, shared by concurrent readers and kept for a few seconds: a
   * reader's PDF viewer sends many Range requests at once, and a row's bytes (its SHA-256), name and
   * type never change. A link is verified before the lookup, so only real file ids are kept.
   */
  const fileRows = new Map<string, { at: number; row: Promise<FileRow | undefined> }>();
  const fileRow = (id: string): Promise<FileRow | undefined> => {
    const now = Date.now();
    const hit = fileRows.get(id);
    if (hit && now - hit.at < FILE_ROW_TTL_MS) return hit.row;
    const row = query<FileRow>(rootEm.fork(), 'select sha256, filename, content_type from e_files where id = ?', [id]).then((r) => r[0]);
    row.catch(() => fileRows.delete(id));
    fileRows.delete(id);
    fileRows.set(id, { at: now, row });
    if (fileRows.size > FILE_ROWS_KEPT) fileRows.delete(fileRows.keys().next().value!);
    return row;
  };

  app.post('/files', async (req, res) => {
    let viewer: Viewer;
    try {
      viewer = await deps.viewerOf(req.headers.authorization);
    } catch (err) {
      await drained(req, res);
      return sendError(res, 401, 'UNAUTHENTICATED', (err as Error).message);
    }
    const ctx = buildContext({ rootEm, viewer, logger, config, events, clientAddress: req.socket.remoteAddress ?? null });
    try {
      const file = await receiveUpload(ctx, req);
      res.status(201).json({
        id: Buffer.from(`EResourceFile:${file.id}`).toString('base64url'),
        sha256: file.sha256,
        size: file.size,
        contentType: file.contentType,
        filename: file.filename,
        duplicate: file.duplicate,
        uploadedAt: file.uploadedAt,
      });
    } catch (err) {
      if (err instanceof UploadRefused) {
        await drained(req, res);
        return sendError(res, err.status, err.code, err.message);
      }
      logger.error({ err }, 'upload failed');
      res.setHeader('Connection', 'close');
      sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    }
  });

  app.get('/files/:id', async (req, res) => {
    const verdict = signer.verify(req.params.id, req.query.exp, req.query.sig);
    if (verdict !== 'ok') {
      return sendError(res, 403, verdict === 'expired' ? 'LINK_EXPIRED' : 'LINK_INVALID', verdict === 'expired' ? 'This link has expired: open the e-resource again.' : 'This link is not valid.');
    }
    try {
      const f = await fileRow(req.params.id);
      const local = f ? storage.localPath(f.sha256) : null;
      if (!f || !local) return sendError(res, 404, 'NOT_FOUND', 'No such file.');
      const maxAge = Math.max(0, Number(req.query.exp) - Math.floor(Date.now() / 1000));
      res.sendFile(
        local,
        {
          headers: {
            'Content-Type': f.content_type === 'text/plain' ? 'text/plain; charset=utf-8' : f.content_type,
            'Content-Disposition': inline(f.filename),
            'X-Content-Type-Options': 'nosniff',
            'Content-Security-Policy': "sandbox; default-src 'none'",
            'Cache-Control': `private, max-age=${maxAge}`,
          },
          acceptRanges: true,
          cacheControl: false,
          etag: true,
          lastModified: false,
          dotfiles: 'allow',
          // passed through to the file stream: a 1 MB slice (what PDF viewers ask for) in one read
          highWaterMark: 1024 * 1024,
        } as Parameters<typeof res.sendFile>[1],
        (err?: Error & { status?: number; statusCode?: number }) => {
          if (!err) return;
          const status = err.status ?? err.statusCode ?? 500;
          if (status === 416 || status === 412 || status === 404) return sendError(res, status, status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', status === 416 ? 'Range not satisfiable.' : 'Not found.');
          if ((err as { code?: string }).code === 'ECONNABORTED' || res.headersSent) return;
          logger.error({ err }, 'file serving failed');
          sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
        },
      );
    } catch (err) {
      logger.error({ err }, 'file lookup failed');
      sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    }
  });

  const tokenKey = createHmac('sha256', config.jwtSecret).update('shelfnet:oai-resumption:v1').digest();
  const oai = (args: OaiArgs, req: express.Request) =>
    new OaiProvider({
      baseUrl: config.publicUrl ? `${config.publicUrl}/oai` : `${req.protocol}://${req.get('host') ?? 'localhost'}/oai`,
      adminEmail: config.oaiAdminEmail,
      repositoryName: 'Shelfnet: Thư viện số tỉnh Bình Định',
      pageSize: config.oaiPageSize,
      tokenKey,
    }).handle(rootEm.fork() as EntityManager, args);
  const answer = async (args: OaiArgs, req: express.Request, res: express.Response) => {
    try {
      const xml = await oai(args, req);
      res.status(200).type('text/xml; charset=utf-8').send(xml);
    } catch (err) {
      logger.error({ err }, 'OAI-PMH request failed');
      res.status(500).type('text/plain').send('Internal server error');
    }
  };
  app.get('/oai', (req, res) => answer(req.query as OaiArgs, req, res));
  app.post('/oai', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }), (req, res) => {
    if (!req.is('application/x-www-form-urlencoded')) {
      return res.status(415).type('text/plain').send('OAI-PMH POST requests are application/x-www-form-urlencoded.');
    }
    return answer((req.body ?? {}) as OaiArgs, req, res);
  });
}
