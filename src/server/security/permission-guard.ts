import {
  GraphQLError,
  GraphQLFieldResolver,
  GraphQLSchema,
  defaultFieldResolver,
  getNamedType,
  isNonNullType,
  isObjectType,
  isUnionType,
} from 'graphql';
import { NotPermittedError } from '../../common/error-results';
import { FIELDS, OPERATIONS, Rule, TYPES, permits, refusal } from '../../modules/auth/permissions';
import type { Viewer } from '../../modules/auth/viewer';

function viewerOf(context: unknown): Viewer {
  return (context as { viewer: Viewer }).viewer;
}

function refuse(coordinate: string, rule: Rule | undefined, viewer: Viewer, returnsNotPermitted: boolean): unknown {
  const field = coordinate.split('.')[1];
  if (!rule) {
    throw new GraphQLError(`${field} has no permission rule and is refused (src/modules/auth/permissions.ts).`, { extensions: { code: 'FORBIDDEN' } });
  }
  switch (refusal(rule, viewer)) {
    case 'UNAUTHENTICATED':
      throw new GraphQLError(`Sign in to use ${field}.`, { extensions: { code: 'UNAUTHENTICATED' } });
    case 'ROLE':
      if (returnsNotPermitted) return new NotPermittedError(`Your role may not use ${field}.`);
      throw new GraphQLError(`Your role may not use ${field}.`, { extensions: { code: 'FORBIDDEN' } });
    default:
      throw new GraphQLError(
        viewer.isApiClient ? `This API key lacks the permission for ${field}.` : `${field} is not open to ${viewer.kind.toLowerCase().replace('_', ' ')} viewers.`,
        { extensions: { code: 'FORBIDDEN' } },
      );
  }
}

/**
 * Puts src/modules/auth/permissions.ts in force: wraps the resolver (for subscriptions, `subscribe`)
 * of every root field with its rule, every field of a guarded type, and every sensitive field. Only
 * those resolvers are wrapped: big lists of other types keep their plain resolvers.
 */
export function applyPermissions(schema: GraphQLSchema): string[] {
  const unruled: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      const coordinate = `${root.name}.${field.name}`;
      const rule = OPERATIONS[coordinate];
      if (!rule) unruled.push(coordinate);
      const named = getNamedType(field.type);
      const returnsNotPermitted = isUnionType(named) && named.getTypes().some((t) => t.name === 'NotPermittedError');
      const guard = (inner: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> =>
        (source, args, context, info) => {
          const viewer = viewerOf(context);
          if (!permits(rule, viewer)) return refuse(coordinate, rule, viewer, returnsNotPermitted);
          return inner(source, args, context, info);
        };
      if (root === schema.getSubscriptionType()) {
        const subscribe = field.subscribe ?? defaultFieldResolver;
        field.subscribe = guard(subscribe) as typeof field.subscribe;
      } else {
        field.resolve = guard(field.resolve ?? defaultFieldResolver);
      }
    }
  }

  for (const [typeName, rule] of Object.entries(TYPES)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`permissions.ts TYPES names ${typeName}, not an object type of the schema`);
    for (const field of Object.values(type.getFields())) {
      const inner = field.resolve ?? defaultFieldResolver;
      const coordinate = `${typeName}.${field.name}`;
      field.resolve = (source, args, context, info) => {
        const viewer = viewerOf(context);
        if (!permits(rule, viewer)) return refuse(coordinate, rule, viewer, false);
        return inner(source, args, context, info);
      };
    }
  }

  for (const [coordinate, check] of Object.entries(FIELDS)) {
    const [typeName, fieldName] = coordinate.split('.');
    const type = schema.getType(typeName);
    const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
    if (!field) throw new Error(`permissions.ts FIELDS names ${coordinate}, not a field of the schema`);
    if (isNonNullType(field.type)) throw new Error(`permissions.ts FIELDS: ${coordinate} must be nullable (a refusal reads null)`);
    const inner = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context, info) =>
      check(viewerOf(context), source as Record<string, unknown>) ? inner(source, args, context, info) : null;
  }
  return unruled;
}
