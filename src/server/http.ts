import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import express from 'express';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { SqlStats, sqlStatsStorage } from '../db/sql-stats';
import { apiClientsService } from '../modules/auth/api-clients.service';
import type { AuthService } from '../modules/auth/auth.service';
import { Authenticated, Authenticator } from '../modules/auth/authenticate';
import { Viewer } from '../modules/auth/viewer';
import type { EventHub } from '../modules/events/event-hub';
import { Context, buildContext } from './context';
import { graphiqlAssets, graphiqlHtml } from './graphiql';
import { mountEResourceRoutes } from './eresources-http';
import { SecurityContext, penalise, rateLimitedError, securityPlugin } from './security/apollo-security';
import { corsFor, graphiqlCsp, requestTimeout, securityHeaders } from './security/http-guards';
import { BODY_BYTES_PER_POINT, checkDocumentSize, validationRules } from './security/limits';
import { RateLimiter, createRateLimiter } from './security/rate-limit';
import { TrustedDocuments, resolveTrustedDocument } from './security/trusted-documents';
import { startWebSocket } from './security/ws';

export interface HttpServerDeps {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  schema: GraphQLSchema;
  auth: AuthService;
  events: EventHub | null;
}

export interface RunningHttpServer {
  server: http.Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish, closes sockets. */
  stop(): Promise<void>;
}

const KNOWN_CODES = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  // security and limits
  'RATE_LIMITED',
  'COST_LIMIT_EXCEEDED',
  'QUERY_TOO_LARGE',
  'TRUSTED_DOCUMENT_REQUIRED',
  'TIMEOUT',
  'TOO_MANY_SUBSCRIPTIONS',
  'SUBSCRIBER_TOO_SLOW',
]);

/** PostgreSQL cancelled a statement (statement_timeout): the client hears TIMEOUT, not an internal error. */
function isStatementTimeout(error: unknown): boolean {
  for (let e = error as { code?: unknown; originalError?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.code === '57014') return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/**
 * Client errors pass through with their code; anything else is an internal error whose details
 * (stack, SQL) stay in the server log. Production shows only code and a generic message.
 */
export function makeFormatError(config: Config, logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    let code = String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
    // graphql-js stops coercing variables after 50 errors with an error that carries no code: bad input
    if (code === 'INTERNAL_SERVER_ERROR' && /^Too many errors processing variables/.test(formatted.message)) {
      code = 'BAD_USER_INPUT';
      formatted = { ...formatted, extensions: { ...formatted.extensions, code } };
    }
    if (code === 'INTERNAL_SERVER_ERROR' && isStatementTimeout(error)) {
      logger.warn({ path: formatted.path }, 'statement timeout');
      return { message: 'The database took too long for this request and stopped it; ask for less.', locations: formatted.locations, path: formatted.path, extensions: { code: 'TIMEOUT' } };
    }
    if (KNOWN_CODES.has(code)) {
      if (config.nodeEnv !== 'production') return formatted;
      const { stacktrace: _s, ...ext } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { ...formatted, extensions: ext };
    }
    logger.error({ err: (error as { originalError?: unknown })?.originalError ?? error, path: formatted.path }, 'internal error');
    return {
      message: config.nodeEnv === 'development' ? formatted.message : 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

function sqlCountPlugin(): ApolloServerPlugin<Context & { sqlStats?: SqlStats }> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const stats = contextValue.sqlStats;
          if (stats && response.body.kind === 'single') {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, sqlStatements: stats.statements };
          }
        },
      };
    },
  };
}

/**
 * After a mutation's answer, the event hub wakes the subscriptions of every process: a mutation's
 * writes have committed by then, also those made by one statement outside an explicit transaction
 * (the desk functions); transactions wake it themselves on commit.
 */
function committedPlugin(events: EventHub): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation }) {
          if (operation?.operation === 'mutation') events.committed();
        },
      };
    },
  };
}

function clientAddressOf(config: Config, req: http.IncomingMessage & { ip?: string }): string | null {
  // behind a proxy express derives req.ip from X-Forwarded-For (TRUST_PROXY); otherwise the socket
  return (config.trustProxy ? req.ip : undefined) ?? req.socket.remoteAddress ?? null;
}

type GraphqlRequest = express.Request & { auth?: Authenticated; clientAddress?: string | null; bodyBytes?: number };

export async function startHttpServer(deps: HttpServerDeps): Promise<RunningHttpServer> {
  const { config, logger, orm, schema, auth, events } = deps;
  const rootEm = orm.em as EntityManager;
  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy) app.set('trust proxy', true);
  const server = http.createServer(app);
  // slow clients: the whole request must arrive in time (slowloris)
  server.headersTimeout = Math.min(config.requestTimeoutMs, 60_000);
  server.requestTimeout = config.requestTimeoutMs + 5000;

  const limiter: RateLimiter = createRateLimiter(config, logger);
  const trusted = config.trustedDocumentsFile ? TrustedDocuments.load(config.trustedDocumentsFile, config.trustedDocumentsOnly) : null;
  if (trusted) logger.info({ documents: trusted.size, only: config.trustedDocumentsOnly }, 'trusted documents loaded');
  const authenticator = new Authenticator(auth.tokens, auth.sessions, apiClientsService, () => rootEm.fork({ clear: true, useContext: false }));
  const formatError = makeFormatError(config, logger);

  const ws = startWebSocket({
    server,
    schema,
    config,
    logger,
    authenticator,
    sessions: auth.sessions,
    limiter,
    trusted,
    formatError,
    buildContext: (viewer, clientAddress) => buildContext({ rootEm, viewer, logger, config, clientAddress, events }),
    clientAddress: (req) => clientAddressOf(config, req),
  });

  const apollo = new ApolloServer<Context & SecurityContext & { sqlStats?: SqlStats }>({
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: config.nodeEnv === 'development',
    hideSchemaDetailsFromClientErrors: !config.fieldSuggestions,
    formatError,
    allowBatchedHttpRequests: false,
    // trusted documents replace Apollo's automatic persisted queries (which would let anyone register documents)
    persistedQueries: false,
    parseOptions: { maxTokens: config.maxTokens },
    validationRules: validationRules(config),
    // main.ts owns shutdown: it stops the server, then the pool, then PostgreSQL
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    plugins: [
      // our bundled GraphiQL is the only IDE: Apollo's landing page would load Apollo's CDN (and, outside
      // production, its Sandbox IDE) even with GRAPHIQL=false
      ApolloServerPluginLandingPageDisabled(),
      // Apollo installs its cache-control plugin by default; its per-field hook makes Apollo wrap every
      // resolver of every response (a third of the execution time of a page of 20 loans). Shelfnet's
      // answers are per viewer and never HTTP-cached, so it has nothing to compute.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer: server, stopGracePeriodMillis: config.shutdownTimeoutMs }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await ws.dispose();
              await limiter.close();
            },
          };
        },
      },
      securityPlugin(config, schema, limiter),
      ...(config.exposeSqlCount ? [sqlCountPlugin()] : []),
      ...(events ? [committedPlugin(events)] : []),
    ],
  });
  await apollo.start();

  app.use(securityHeaders(config));
  app.use(corsFor(config));

  app.get('/health', async (_req, res) => {
    try {
      await orm.em.getConnection().execute('select 1');
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });

  mountEResourceRoutes(app, { config, logger, orm, events, viewerOf: async (authorization) => (await authenticator.authenticate(authorization)).viewer });

  app.use('/graphiql', graphiqlAssets());
  const ide = graphiqlHtml('/graphql');
  const ideCsp = graphiqlCsp(ide);
  app.get('/graphql', (req, res, next) => {
    // a browser opening the endpoint gets GraphiQL; GET queries (?query=) go to the API
    if (config.graphiql && req.query.query === undefined && req.accepts(['text/html', 'application/json']) === 'text/html') {
      res.set('content-security-policy', ideCsp).type('html').send(ide);
      return;
    }
    next();
  });

  const refuse = (res: express.Response, error: GraphQLError, penalised?: GraphqlRequest) => {
    if (penalised?.auth) void penalise(limiter, { viewer: penalised.auth.viewer, clientAddress: penalised.clientAddress ?? null });
    const http = (error.extensions.http ?? {}) as { status?: number; headers?: Map<string, string> };
    for (const [k, v] of http.headers ?? []) res.set(k, v);
    const { http: _h, ...extensions } = error.extensions;
    res.status(http.status ?? 400).json({ errors: [{ message: error.message, extensions }] });
  };

  app.use(
    '/graphql',
    requestTimeout(config.requestTimeoutMs),
    // who is asking, and the door price of their bucket, before the body is read: an empty bucket
    // costs a client a header parse, not a JSON parse of up to 1 MB
    async (req: GraphqlRequest, res, next) => {
      try {
        req.clientAddress = clientAddressOf(config, req);
        try {
          req.auth = await authenticator.authenticate(req.headers.authorization, req.headers['x-api-key']);
        } catch (err) {
          if (err instanceof GraphQLError) return refuse(res, err);
          throw err;
        }
        // a body costs by its size too (it is read and parsed whatever it holds): known from Content-Length
        // here, before reading it; a body sent without one pays after it is read (below)
        const declared = Number(req.headers['content-length']);
        const price = 1 + (Number.isSafeInteger(declared) && declared > 0 ? Math.floor(declared / BODY_BYTES_PER_POINT) : 0);
        const door = await limiter.consume(req.auth.viewer.bucketKey(req.clientAddress), price);
        if (!door.allowed) return refuse(res, rateLimitedError({ ...door, cost: price }));
        next();
      } catch (err) {
        next(err);
      }
    },
    express.json({
      limit: config.maxRequestBytes,
      verify: (req, _res, buf) => {
        (req as GraphqlRequest).bodyBytes = buf.length;
      },
    }),
    // the document's size and trust
    async (req: GraphqlRequest, res, next) => {
      try {
        const viewer = req.auth!.viewer;
        if (req.headers['content-length'] === undefined && (req.bodyBytes ?? 0) >= BODY_BYTES_PER_POINT) {
          await limiter.charge(viewer.bucketKey(req.clientAddress ?? null), Math.floor(req.bodyBytes! / BODY_BYTES_PER_POINT));
        }
        const body = req.body as unknown;
        if (req.method === 'POST' && body && typeof body === 'object' && !Array.isArray(body)) {
          const b = body as Record<string, unknown>;
          const refused = checkDocumentSize(b.query, config) ?? resolveTrustedDocument(b, trusted, viewer);
          if (refused) return refuse(res, refused, req);
        } else if (req.method === 'GET') {
          const q = { ...(req.query as Record<string, unknown>) };
          const refused = checkDocumentSize(q.query, config) ?? (q.documentId === undefined ? resolveTrustedDocument(q, trusted, viewer) : null);
          if (refused) return refuse(res, refused, req);
        }
        next();
      } catch (err) {
        next(err);
      }
    },
    (req, _res, next) => {
      // every SQL statement run for this request is counted from here on
      sqlStatsStorage.run({ statements: 0 }, () => next());
    },
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const r = req as GraphqlRequest;
        const viewer = r.auth?.viewer ?? Viewer.anonymous();
        const ctx = buildContext({
          rootEm,
          viewer,
          logger,
          config,
          events,
          clientAddress: r.clientAddress ?? null,
          requestId: typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'].slice(0, 100) : randomUUID(),
        });
        return { ...ctx, sqlStats: sqlStatsStorage.getStore() };
      },
    }),
  );

  // malformed JSON and oversized bodies: a 4xx in GraphQL's error shape, never a 500
  app.use((err: { status?: number; type?: string; message?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    // the timeout already answered: whatever the handler tried to write afterwards is dropped
    if (res.locals.timedOut) return;
    if (res.headersSent) return next(err);
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.error({ err }, 'request failed');
    const message =
      err.type === 'entity.too.large'
        ? `Request body is larger than ${config.maxRequestBytes} bytes.`
        : err.type === 'entity.parse.failed'
          ? 'Request body is not valid JSON.'
          : status === 500
            ? 'Internal server error'
            : (err.message ?? 'Bad request');
    res.status(status).json({ errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  let stopping: Promise<void> | null = null;
  return {
    server,
    port,
    stop() {
      stopping ??= apollo.stop();
      return stopping;
    },
  };
}
