import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Config } from '../../config';
import type { Viewer } from '../../modules/auth/viewer';
import { costError, operationCost } from './limits';
import type { BucketState, RateLimiter } from './rate-limit';

export interface RateState extends BucketState {
  cost: number;
}

/** What the security plugin keeps on the request context. */
export interface SecurityContext {
  viewer: Viewer;
  clientAddress: string | null;
  rateLimit?: RateState;
}

export function rateLimitedError(s: RateState): GraphQLError {
  return new GraphQLError(
    `Rate limit: this operation costs ${s.cost} points and ${s.remaining} of ${s.limit} are left; retry in ${s.retryAfterSeconds} s.`,
    {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds: s.retryAfterSeconds,
        cost: s.cost,
        remaining: s.remaining,
        limit: s.limit,
        http: { status: 429, headers: new HeaderMap([['retry-after', String(s.retryAfterSeconds)]]) },
      },
    },
  );
}

/**
 * Points a refused document costs (unparseable, invalid, over a limit, untrusted): refusing is cheap,
 * but not free, and a client that keeps sending refused documents soon meets 429 at the door, where
 * it costs least.
 */
export const REFUSED_COST = 50;

export async function penalise(limiter: RateLimiter, c: { viewer: Viewer; clientAddress: string | null }): Promise<void> {
  await limiter.charge(c.viewer.bucketKey(c.clientAddress), REFUSED_COST);
}

/** The remaining budget, as reported in `extensions.rateLimit` of every response. */
export function rateLimitExtension(s: RateState): Record<string, number> {
  return { limit: s.limit, remaining: s.remaining, cost: s.cost };
}

/**
 * After validation, before execution: the operation's cost must be within MAX_COST, and the
 * viewer's bucket must hold it (one point was already taken at the door, see http.ts).
 */
export function securityPlugin(config: Config, schema: GraphQLSchema, limiter: RateLimiter): ApolloServerPlugin<SecurityContext> {
  return {
    async requestDidStart() {
      return {
        async parsingDidStart({ contextValue }) {
          return async (err) => {
            if (err) await penalise(limiter, contextValue);
          };
        },
        async validationDidStart({ contextValue }) {
          return async (errs) => {
            if (errs?.length) await penalise(limiter, contextValue);
          };
        },
        async didResolveOperation({ document, request, operationName, contextValue }) {
          const cost = operationCost(schema, document, request.variables, operationName ?? undefined);
          if (cost > config.maxCost) {
            await penalise(limiter, contextValue);
            throw costError(cost, config.maxCost);
          }
          // one point was taken at the door; an operation dearer than the whole bucket takes all of it
          const take = Math.max(0, (config.rateLimitPoints > 0 ? Math.min(cost, config.rateLimitPoints) : cost) - 1);
          const state = { ...(await limiter.consume(contextValue.viewer.bucketKey(contextValue.clientAddress), take)), cost };
          contextValue.rateLimit = state;
          if (!state.allowed) throw rateLimitedError(state);
        },
        async willSendResponse({ response, contextValue }) {
          const s = contextValue.rateLimit;
          if (!s || config.rateLimitPoints === 0) return;
          response.http.headers.set('ratelimit-limit', String(s.limit));
          response.http.headers.set('ratelimit-remaining', String(s.remaining));
          if (response.body.kind === 'single') {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, rateLimit: rateLimitExtension(s) };
          }
        },
      };
    },
  };
}
