import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  DocumentNode,
  GraphQLError,
  GraphQLSchema,
  ValidationContext,
  ValidationRule,
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
} from 'graphql';
import { ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import type { Config } from '../../config';
import { DEFAULT_PAGE, MAX_PAGE } from '../../common/pagination';

/** Assumed length of a list that has no `first` argument (holdings of a record, contributors...). */
export const LIST_WITHOUT_FIRST = 10;

/**
 * A request body costs one rate-limit point per this many bytes on top of its door point: the API reads
 * and parses whatever a body holds, so a client sending 1 MB bodies (100 points each) is throttled like
 * one sending costly operations, however cheaply each is refused afterwards.
 */
export const BODY_BYTES_PER_POINT = 10_000;

export type LimitsConfig = Pick<Config, 'maxDepth' | 'maxAliases' | 'maxDirectives' | 'maxTokens' | 'maxQueryChars' | 'maxCost'>;

/**
 * Depth, aliases and directives: GraphQL Armor's validation rules (well kept, used with Apollo and
 * Envelop alike). Tokens are counted by graphql-js itself (`parse(..., { maxTokens })`), the document
 * size by `checkDocumentSize`, the cost by `operationCost` (graphql-query-complexity).
 */
export function validationRules(c: LimitsConfig): ValidationRule[] {
  // report, not throw: a rule that throws inside validate() would be a 500 under Apollo
  const common = {
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [(ctx: ValidationContext | null, err: GraphQLError) => ctx?.reportError(err)],
  };
  return [
    maxDepthRule({ ...common, n: c.maxDepth, ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesRule({ ...common, n: c.maxAliases }),
    maxDirectivesRule({ ...common, n: c.maxDirectives }),
  ] as ValidationRule[];
}

export function limitError(message: string, code: string, status = 400): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

/** A GraphQL document longer than the limit is refused before it is parsed. */
export function checkDocumentSize(query: unknown, c: LimitsConfig): GraphQLError | null {
  if (typeof query === 'string' && query.length > c.maxQueryChars) {
    return limitError(`The GraphQL document has ${query.length} characters; at most ${c.maxQueryChars} are accepted.`, 'QUERY_TOO_LARGE', 413);
  }
  return null;
}

const clampFirst = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.min(Math.max(Math.trunc(v), 0), MAX_PAGE) : fallback);

/**
 * Cost of one field: objects cost 1, leaves 0; a list multiplies what it selects by its `first`
 * (clamped to 0..100, the resolver refuses other values itself; absent: 20 for connections, 100 for
 * plain lists with `first`), or by 10 when it has no `first`. A connection's `edges` are not
 * multiplied twice. Introspection costs nothing (it is off in production).
 */
const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (field.name.startsWith('__')) return 0;
  const returned = getNullableType(field.type);
  const named = getNamedType(field.type);
  if (isLeafType(named)) return 0;
  const isConnection = named.name.endsWith('Connection');
  if ('first' in field.args.reduce((o, a) => ({ ...o, [a.name]: true }), {} as Record<string, boolean>)) {
    const n = clampFirst(args.first, isConnection ? DEFAULT_PAGE : MAX_PAGE);
    return 1 + n * childComplexity;
  }
  if (isListType(returned) && !(type.name.endsWith('Connection') && field.name === 'edges')) return 1 + LIST_WITHOUT_FIRST * childComplexity;
  return 1 + childComplexity;
};

/** The cost of the operation to run (see `estimator`); at least 1, so every request spends something. */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined): number {
  try {
    const cost = getComplexity({ schema, query: document, variables: variables ?? {}, operationName, estimators: [estimator] });
    return Math.max(1, Math.ceil(cost));
  } catch {
    // variables that do not coerce: execution refuses them before any resolver runs
    return 1;
  }
}

export function costError(cost: number, max: number): GraphQLError {
  return limitError(`The operation costs ${cost} points; at most ${max} are allowed. Ask for fewer items (first) or fewer nested lists.`, 'COST_LIMIT_EXCEEDED');
}
