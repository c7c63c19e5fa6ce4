import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import express from 'express';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Config } from '../config';
import { SqlStats, sqlStatsStorage } from '../db/sql-stats';
import { TokenError, TokenService } from '../modules/auth/tokens';
import { Viewer } from '../modules/auth/viewer';
import type { EventHub } from '../modules/events/event-hub';
import { Context, buildContext } from './context';
import { graphiqlAssets, graphiqlHtml } from './graphiql';
import { mountEResourceRoutes } from './eresources-http';

export interface HttpServerDeps {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  schema: GraphQLSchema;
  tokens: TokenService;
  events: EventHub | null;
}

export interface RunningHttpServer {
  server: http.Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish, closes sockets. */
  stop(): Promise<void>;
}

/** Reads `Authorization: Bearer <token>`; a bad token is an error, not a silent downgrade to anonymous. */
async function viewerAndExpiry(tokens: TokenService, authorization: unknown): Promise<{ viewer: Viewer; expiresAt: Date | null }> {
  if (authorization === undefined || authorization === null || authorization === '') return { viewer: Viewer.anonymous(), expiresAt: null };
  const m = typeof authorization === 'string' ? /^Bearer\s+([A-Za-z0-9._-]{1,4096})$/i.exec(authorization.trim()) : null;
  if (!m) throw authError('Authorization must be "Bearer <token>".');
  try {
    return await tokens.verify(m[1]);
  } catch (err) {
    if (err instanceof TokenError) throw authError(`Access token refused: ${err.message}. Sign in again.`);
    throw err;
  }
}

async function viewerFrom(tokens: TokenService, authorization: unknown): Promise<Viewer> {
  return (await viewerAndExpiry(tokens, authorization)).viewer;
}

function authError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
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
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Client errors pass through with their code; anything else is an internal error whose details
 * (stack, SQL) stay in the server log. Production shows only code and a generic message.
 */
export function makeFormatError(config: Config, logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
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

export async function startHttpServer(deps: HttpServerDeps): Promise<RunningHttpServer> {
  const { config, logger, orm, schema, tokens, events } = deps;
  const rootEm = orm.em as EntityManager;
  const app = express();
  app.disable('x-powered-by');
  const server = http.createServer(app);

  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: config.maxRequestBytes });
  const wsCleanup = useServer<Record<string, unknown>, { viewer?: Viewer; expiry?: NodeJS.Timeout }>(
    {
      schema,
      onConnect: async (ctx) => {
        // the upgrade request (headers, parser state) is not needed after the handshake: an idle
        // connection should hold no more than its socket
        (ctx.extra as { request?: unknown }).request = undefined;
        try {
          const auth = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
          const { viewer, expiresAt } = await viewerAndExpiry(tokens, auth);
          ctx.extra.viewer = viewer;
          if (expiresAt) {
            // a token that expires ends the connection and its subscriptions
            ctx.extra.expiry = setTimeout(() => ctx.extra.socket.close(4403, 'Token expired'), Math.max(0, expiresAt.getTime() - Date.now()));
            ctx.extra.expiry.unref();
          }
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      onClose: (ctx) => {
        if (ctx.extra.expiry) clearTimeout(ctx.extra.expiry);
      },
      context: (ctx) =>
        buildContext({ rootEm, viewer: ctx.extra.viewer ?? Viewer.anonymous(), logger, config, clientAddress: null, events }),
    },
    wss,
  );

  const apollo = new ApolloServer<Context & { sqlStats?: SqlStats }>({
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: config.nodeEnv === 'development',
    hideSchemaDetailsFromClientErrors: config.nodeEnv === 'production',
    formatError: makeFormatError(config, logger),
    allowBatchedHttpRequests: false,
    // main.ts owns shutdown: it stops the server, then the pool, then PostgreSQL
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    plugins: [
      // our bundled GraphiQL is the only IDE: Apollo's landing page would load Apollo's CDN (and, outside
      // production, its Sandbox IDE) even with GRAPHIQL=false
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer: server, stopGracePeriodMillis: config.shutdownTimeoutMs }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
      ...(config.exposeSqlCount ? [sqlCountPlugin()] : []),
    ],
  });
  await apollo.start();

  app.get('/health', async (_req, res) => {
    try {
      await orm.em.getConnection().execute('select 1');
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });

  mountEResourceRoutes(app, { config, logger, orm, events, viewerOf: (auth) => viewerFrom(tokens, auth) });

  app.use('/graphiql', graphiqlAssets());
  app.get('/graphql', (req, res, next) => {
    // a browser opening the endpoint gets GraphiQL; GET queries (?query=) go to the API
    if (config.graphiql && req.query.query === undefined && req.accepts(['text/html', 'application/json']) === 'text/html') {
      res.type('html').send(graphiqlHtml('/graphql'));
      return;
    }
    next();
  });

  app.use(
    '/graphql',
    express.json({ limit: config.maxRequestBytes }),
    (req, _res, next) => {
      // every SQL statement run for this request is counted from here on
      sqlStatsStorage.run({ statements: 0 }, () => next());
    },
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const viewer = await viewerFrom(tokens, req.headers.authorization);
        const ctx = buildContext({
          rootEm,
          viewer,
          logger,
          config,
          events,
          clientAddress: req.socket.remoteAddress ?? null,
          requestId: typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'].slice(0, 100) : randomUUID(),
        });
        return { ...ctx, sqlStats: sqlStatsStorage.getStore() };
      },
    }),
  );

  // malformed JSON and oversized bodies: a 4xx in GraphQL's error shape, never a 500
  app.use((err: { status?: number; type?: string; message?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
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
