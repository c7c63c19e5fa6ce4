import type http from 'node:http';
import {
  ExecutionArgs,
  GraphQLError,
  type GraphQLFormattedError,
  GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../config';
import type { Authenticator } from '../../modules/auth/authenticate';
import type { SessionService } from '../../modules/auth/sessions';
import { Viewer } from '../../modules/auth/viewer';
import type { Context } from '../context';
import { penalise, rateLimitExtension, rateLimitedError } from './apollo-security';
import { checkDocumentSize, costError, operationCost, validationRules } from './limits';
import type { RateLimiter } from './rate-limit';
import { type TrustedDocuments, resolveTrustedDocument } from './trusted-documents';

export interface WsDeps {
  server: http.Server;
  schema: GraphQLSchema;
  config: Config;
  logger: Logger;
  authenticator: Authenticator;
  sessions: SessionService;
  limiter: RateLimiter;
  trusted: TrustedDocuments | null;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  buildContext: (viewer: Viewer, clientAddress: string | null) => Context;
  clientAddress: (req: http.IncomingMessage) => string | null;
}

type Extra = {
  viewer?: Viewer;
  expiry?: NodeJS.Timeout;
  idle?: NodeJS.Timeout;
  lastActivity?: number;
  address?: string | null;
  unwatch?: () => void;
};

/** The codes Apollo gives parse and validation errors over HTTP, so both transports answer alike. */
function coded(e: GraphQLError, code: string): GraphQLError {
  return e.extensions?.code ? e : new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, extensions: { ...e.extensions, code } });
}

const CLIENT_TYPES = new Set(['connection_init', 'ping', 'pong', 'subscribe', 'complete']);

/** False for a well-formed message of a type clients may not send (malformed ones are graphql-ws's to refuse). */
function fromClient(data: unknown): boolean {
  try {
    const m = JSON.parse(String(data)) as { type?: unknown } | null;
    return !(m && typeof m === 'object' && typeof m.type === 'string' && !CLIENT_TYPES.has(m.type));
  } catch {
    return true;
  }
}

/** Close codes of our own (graphql-ws uses 44xx for protocol errors; 4403 is its Forbidden). */
export const WS_IDLE = 4000;

/**
 * GraphQL over WebSocket (graphql-ws) with the same limits as HTTP: authentication on
 * connection_init (refused: 4403), the socket closed when its token expires or its session ends,
 * at most WS_MAX_SUBSCRIPTIONS operations at once, messages of at most WS_MAX_MESSAGE_BYTES (ws
 * closes with 1009), connection_init within WS_INIT_TIMEOUT_MS (4408), idle connections closed after
 * WS_IDLE_TIMEOUT_MS (4000), and every operation through the same size, token, depth, alias,
 * directive, cost, trusted-document and rate-bucket checks as an HTTP request.
 */
export function startWebSocket(d: WsDeps): { dispose(): Promise<void> } {
  const { config, schema } = d;
  const wss = new WebSocketServer({ server: d.server, path: '/graphql', maxPayload: config.wsMaxMessageBytes });
  const rules = [...specifiedRules, ...validationRules(config), ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const bySession = new Map<string, Set<WebSocket>>();
  const unlistenRevoked = d.sessions.onRevoked((sid) => {
    for (const socket of bySession.get(sid) ?? []) socket.close(4403, 'Session ended');
  });
  const formatErrors = (errors: readonly GraphQLError[]) => errors.map((e) => d.formatError(e.toJSON(), e));
  // A client sending a message only the server may send (next, error, connection_ack) makes graphql-ws
  // throw and close with 4500 Internal Error: it is the client's mistake, so 4400 like any bad message.
  wss.on('connection', (socket: WebSocket) => {
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'message' && !fromClient(args[0])) {
        socket.close(4400, 'Invalid message received');
        return true;
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
  });

  const cleanup = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      connectionInitWaitTimeout: config.wsInitTimeoutMs,
      onConnect: async (ctx) => {
        const extra = ctx.extra as Extra & { socket: WebSocket; request?: http.IncomingMessage };
        extra.address = extra.request ? d.clientAddress(extra.request) : null;
        // the upgrade request (headers, parser state) is not needed after the handshake: an idle
        // connection should hold no more than its socket
        extra.request = undefined;
        try {
          const params = ctx.connectionParams ?? {};
          const { viewer, expiresAt } = await d.authenticator.authenticate(params.authorization ?? params.Authorization, params.apiKey ?? params['x-api-key']);
          extra.viewer = viewer;
          if (expiresAt) {
            // a token that expires ends the connection and its subscriptions
            extra.expiry = setTimeout(() => extra.socket.close(4403, 'Token expired'), Math.max(0, expiresAt.getTime() - Date.now()));
            extra.expiry.unref();
          }
          const sid = viewer.sessionId;
          if (sid) {
            const set = bySession.get(sid) ?? new Set();
            set.add(extra.socket);
            bySession.set(sid, set);
            extra.unwatch = () => {
              set.delete(extra.socket);
              if (set.size === 0) bySession.delete(sid);
            };
          }
          extra.lastActivity = Date.now();
          extra.socket.on('message', () => (extra.lastActivity = Date.now()));
          extra.idle = setInterval(() => {
            const running = Object.keys(ctx.subscriptions).length;
            if (running === 0 && Date.now() - (extra.lastActivity ?? 0) >= config.wsIdleTimeoutMs) extra.socket.close(WS_IDLE, 'Idle');
          }, Math.min(config.wsIdleTimeoutMs, 30_000));
          extra.idle.unref();
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      onClose: (ctx) => {
        const extra = ctx.extra as Extra;
        if (extra.expiry) clearTimeout(extra.expiry);
        if (extra.idle) clearInterval(extra.idle);
        extra.unwatch?.();
      },
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const extra = ctx.extra as Extra;
        const viewer = extra.viewer ?? Viewer.anonymous();
        // this operation is not yet in ctx.subscriptions
        if (Object.keys(ctx.subscriptions).length >= config.wsMaxSubscriptions) {
          return [new GraphQLError(`At most ${config.wsMaxSubscriptions} operations may run at once on one connection.`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
        }
        const body = { ...(payload as unknown as Record<string, unknown>) };
        // a refused document costs REFUSED_COST points, as over HTTP
        const refuse = async (errors: readonly GraphQLError[]) => {
          await penalise(d.limiter, { viewer, clientAddress: extra.address ?? null });
          return errors;
        };
        const refused = checkDocumentSize(body.query, config) ?? resolveTrustedDocument(body, d.trusted, viewer);
        if (refused) return refuse([refused]);
        let document;
        try {
          document = parse(String(body.query ?? ''), { maxTokens: config.maxTokens });
        } catch (err) {
          return refuse([coded(err instanceof GraphQLError ? err : new GraphQLError('Syntax error'), 'GRAPHQL_PARSE_FAILED')]);
        }
        const errors = validate(schema, document, rules);
        if (errors.length) return refuse(errors.map((e) => coded(e, 'GRAPHQL_VALIDATION_FAILED')));
        const variables = (body.variables ?? undefined) as Record<string, unknown> | undefined;
        const operationName = (body.operationName ?? undefined) as string | undefined;
        const cost = operationCost(schema, document, variables, operationName);
        if (cost > config.maxCost) return refuse([costError(cost, config.maxCost)]);
        const state = { ...(await d.limiter.consume(viewer.bucketKey(extra.address ?? null), cost)), cost };
        if (!state.allowed) return [rateLimitedError(state)];
        const contextValue = d.buildContext(viewer, extra.address ?? null) as Context & { rateLimit?: typeof state };
        contextValue.rateLimit = state;
        return { schema, document, variableValues: variables, operationName, contextValue };
      },
      onNext: (_ctx, _id, _payload, args, result) => {
        const rate = (args.contextValue as { rateLimit?: Parameters<typeof rateLimitExtension>[0] }).rateLimit;
        return {
          ...result,
          ...(result.errors ? { errors: formatErrors(result.errors) } : {}),
          ...(rate && config.rateLimitPoints > 0 ? { extensions: { ...result.extensions, rateLimit: rateLimitExtension(rate) } } : {}),
        } as never;
      },
      onError: (_ctx, _id, _payload, errors) => formatErrors(errors),
    },
    wss,
  );
  return {
    async dispose() {
      unlistenRevoked();
      await cleanup.dispose();
    },
  };
}
