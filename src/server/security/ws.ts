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
import {
  CloseCode,
  type Context as WsContext,
  DEPRECATED_GRAPHQL_WS_PROTOCOL,
  GRAPHQL_TRANSPORT_WS_PROTOCOL,
  type WebSocket as WsTransport,
  handleProtocols,
  makeServer,
} from 'graphql-ws';
import type { Logger } from 'pino';
import { type RawData, WebSocketServer, type WebSocket } from 'ws';
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

/** How often the connections are looked at (token expiry, idleness, keep-alive). */
const SWEEP_MS = 1000;
/** A connection is pinged this long after its previous ping, and dropped if it did not answer it (graphql-ws's default). */
const KEEP_ALIVE_MS = 12_000;

const kConn = Symbol('shelfnet.wsConnection');
type Tagged = WebSocket & { [kConn]: Connection };

/**
 * One WebSocket connection: graphql-ws's transport (send, close, onMessage as methods, not closures)
 * and the little it needs to be kept: who it is, when its token expires, when it last spoke.
 * Every field is set in the constructor, so V8 gives the object one fixed shape.
 */
class Connection implements WsTransport {
  readonly protocol: string;
  viewer: Viewer | null = null;
  /** When the token expires (ms since the epoch); 0: never. */
  expiresAt = 0;
  lastActivity = Date.now();
  nextPing = Date.now() + KEEP_ALIVE_MS;
  awaitingPong = false;
  /** graphql-ws's context, once connection_init is accepted: idleness counts from then on. */
  ctx: WsContext<Record<string, unknown>, Connection> | null = null;
  initTimer: NodeJS.Timeout | null = null;
  onMessageCb: ((data: string) => Promise<void>) | null = null;
  closed: ((code: number, reason: string) => Promise<void>) | null = null;

  constructor(
    readonly socket: WebSocket,
    readonly address: string | null,
  ) {
    this.protocol = socket.protocol;
  }

  send(data: string): Promise<void> {
    const socket = this.socket;
    if (socket.readyState !== socket.OPEN) return Promise.resolve();
    return new Promise((resolve, reject) => socket.send(data, (err) => (err ? reject(err) : resolve())));
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  onMessage(cb: (data: string) => Promise<void>): void {
    this.onMessageCb = cb;
  }
}

function initTimedOut(conn: Connection): void {
  conn.initTimer = null;
  if (conn.ctx === null) conn.socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
}

/** An operation is running (or being set up) on the connection. */
function running(ctx: WsContext<Record<string, unknown>, Connection>): boolean {
  for (const _ in ctx.subscriptions) return true;
  return false;
}

/**
 * The prototype of connections' operation maps: nothing inherited (like graphql-ws's Object.create(null))
 * but V8 keeps an object made from it in fast mode (~30 bytes), where a null-prototype object starts as a
 * dictionary (~160 bytes) on every connection, idle or not.
 */
const NO_OPERATIONS: object = Object.create(null);

function closeReason(reason: string, whenTooLong: string): string {
  return reason.length < 124 ? reason : whenTooLong;
}

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
  // no client tracking: the connections below are our own registry (ws would add a Set entry and a
  // close listener per connection for the same list)
  const wss = new WebSocketServer({ server: d.server, path: '/graphql', maxPayload: config.wsMaxMessageBytes, handleProtocols, clientTracking: false });
  const rules = [...specifiedRules, ...validationRules(config), ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const connections = new Set<Connection>();
  const bySession = new Map<string, Set<Connection>>();
  let drained: (() => void) | null = null;
  const unlistenRevoked = d.sessions.onRevoked((sid) => {
    for (const conn of bySession.get(sid) ?? []) conn.socket.close(4403, 'Session ended');
  });
  const formatErrors = (errors: readonly GraphQLError[]) => errors.map((e) => d.formatError(e.toJSON(), e));
  const isProd = config.nodeEnv === 'production';
  const internalError = (conn: Connection, err: unknown, what: string) => {
    d.logger.error({ err }, what);
    conn.socket.close(CloseCode.InternalServerError, isProd ? 'Internal server error' : closeReason(err instanceof Error ? err.message : String(err), 'Internal server error'));
  };

  // The socket's listeners are shared functions finding their connection on the socket: an idle
  // connection then costs its socket and one Connection, not a set of closures and timers of its own.
  function onSocketMessage(this: WebSocket, data: RawData) {
    const conn = (this as Tagged)[kConn];
    conn.lastActivity = Date.now();
    // A client sending a message only the server may send (next, error, connection_ack) makes graphql-ws
    // throw and close with 4500 Internal Error: it is the client's mistake, so 4400 like any bad message.
    if (!fromClient(data)) {
      this.close(4400, 'Invalid message received');
      return;
    }
    const handle = conn.onMessageCb;
    if (handle) handle(String(data)).catch((err) => internalError(conn, err, 'websocket message handling failed'));
  }
  function onSocketError(this: WebSocket, err: Error) {
    internalError((this as Tagged)[kConn], err, 'websocket error');
  }
  function onSocketPong(this: WebSocket) {
    (this as Tagged)[kConn].awaitingPong = false;
  }
  function onSocketClose(this: WebSocket, code: number, reason: Buffer) {
    const conn = (this as Tagged)[kConn];
    if (conn.initTimer) clearTimeout(conn.initTimer);
    connections.delete(conn);
    const sid = conn.viewer?.sessionId;
    const set = sid ? bySession.get(sid) : undefined;
    if (set) {
      set.delete(conn);
      if (set.size === 0) bySession.delete(sid!);
    }
    conn.closed?.(code, String(reason)).catch((err) => d.logger.error({ err }, 'websocket close handling failed'));
    if (drained && connections.size === 0) drained();
  }

  /**
   * One sweep a second for every connection instead of timers per connection: a token that expires
   * ends the connection (4403), an idle one (no operation, no message for WS_IDLE_TIMEOUT_MS) is
   * closed (4000), and each is pinged every KEEP_ALIVE_MS and dropped when it did not answer the last
   * ping (what graphql-ws's per-connection keep-alive timers did). Pings stay spread over time: each
   * connection's fall due KEEP_ALIVE_MS after its own previous one.
   */
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const conn of connections) {
      const socket = conn.socket;
      if (socket.readyState !== socket.OPEN) continue;
      if (conn.expiresAt !== 0 && now >= conn.expiresAt) {
        socket.close(4403, 'Token expired');
        continue;
      }
      if (conn.ctx !== null && now - conn.lastActivity >= config.wsIdleTimeoutMs && !running(conn.ctx)) {
        socket.close(WS_IDLE, 'Idle');
        continue;
      }
      if (now >= conn.nextPing) {
        if (conn.awaitingPong) {
          socket.terminate();
          continue;
        }
        conn.awaitingPong = true;
        conn.nextPing = now + KEEP_ALIVE_MS;
        socket.ping();
      }
    }
  }, SWEEP_MS);
  sweep.unref();

  // ws repeats the HTTP server's errors (EADDRINUSE at listen, say) on itself: startHttpServer reports
  // those; unheard here they would crash the process before it stops its database
  wss.on('error', () => undefined);
  wss.on('connection', (socket: WebSocket, request: http.IncomingMessage) => {
    // only the client address is kept from the upgrade request (headers, parser state go with it)
    const conn = new Connection(socket, d.clientAddress(request));
    (socket as Tagged)[kConn] = conn;
    socket.on('error', onSocketError);
    socket.on('message', onSocketMessage);
    socket.on('pong', onSocketPong);
    socket.on('close', onSocketClose);
    connections.add(conn);
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL && socket.protocol === DEPRECATED_GRAPHQL_WS_PROTOCOL && !isProd) {
      d.logger.warn('a client offered only the subprotocol of subscriptions-transport-ws ("graphql-ws"), which this server does not speak');
    }
    conn.closed = server.opened(conn, conn);
    if (conn.ctx === null && socket.readyState === socket.OPEN) conn.initTimer = setTimeout(initTimedOut, config.wsInitTimeoutMs, conn);
  });

  const server = makeServer<Record<string, unknown>, Connection>(
    {
      schema,
      // enforced by Connection.initTimer, cleared (and released) once connection_init arrives
      connectionInitWaitTimeout: 0,
      onConnect: async (ctx) => {
        const conn = ctx.extra;
        if (conn.initTimer) clearTimeout(conn.initTimer);
        conn.initTimer = null;
        try {
          const params = ctx.connectionParams ?? {};
          const { viewer, expiresAt } = await d.authenticator.authenticate(params.authorization ?? params.Authorization, params.apiKey ?? params['x-api-key']);
          // the credentials were only for this: the connection holds its viewer, not its token
          (ctx as { connectionParams?: unknown }).connectionParams = undefined;
          conn.viewer = viewer;
          // a token that expires ends the connection and its subscriptions (see the sweep)
          if (expiresAt) conn.expiresAt = Math.max(1, expiresAt.getTime());
          const sid = viewer.sessionId;
          if (sid) {
            const set = bySession.get(sid) ?? new Set();
            set.add(conn);
            bySession.set(sid, set);
          }
          conn.lastActivity = Date.now();
          // no operation can run before connection_ack: the (empty) map is swapped for a smaller one
          (ctx as { subscriptions: object }).subscriptions = Object.create(NO_OPERATIONS);
          conn.ctx = ctx;
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const extra = ctx.extra;
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
  );

  return {
    async dispose() {
      unlistenRevoked();
      clearInterval(sweep);
      const gone = new Promise<void>((resolve) => {
        drained = resolve;
        if (connections.size === 0) resolve();
      });
      for (const conn of connections) conn.socket.close(1001, 'Going away');
      await gone;
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
