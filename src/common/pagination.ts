import { ClassType, Field, Int, ObjectType } from 'type-graphql';
import { badInput } from './errors';

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 20;

@ObjectType({ simpleResolvers: true, description: 'Relay page information.' })
export class PageInfo {
  @Field({ description: 'True when another page follows (walk on with `after: endCursor`).' })
  hasNextPage!: boolean;

  @Field({ description: 'Always false: pages are walked forwards only.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge of this page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; pass it as `after`.' })
  endCursor!: string | null;
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) {
    throw badInput(`first must be between 0 and ${MAX_PAGE}`, 'first');
  }
  return first;
}

/**
 * Cursors are opaque: base64url of a JSON array holding the keyset position of the edge (sort values
 * and id), tagged with what they page through so a cursor of one list is refused by another.
 */
export function encodeCursor(kind: string, key: unknown[]): string {
  return Buffer.from(JSON.stringify([kind, ...key]), 'utf8').toString('base64url');
}

export function decodeCursor(kind: string, cursor: string | null | undefined): unknown[] | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  if (cursor.length > 2000 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badInput('after is not a valid cursor', 'after');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badInput('after is not a valid cursor', 'after');
  }
  if (!Array.isArray(parsed) || parsed[0] !== kind) throw badInput('after is not a cursor of this list', 'after');
  // PostgreSQL text cannot hold NUL: a hand-made cursor with one would fail in the database, not here
  if (parsed.some((v) => typeof v === 'string' && v.includes('\u0000'))) throw badInput('after is not a valid cursor', 'after');
  return parsed.slice(1);
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** Builds a page from rows fetched with `limit + 1` (the extra row tells whether a next page exists). */
export function toPage<R, T>(rows: R[], limit: number, cursorOf: (r: R) => string, nodeOf: (r: R) => T): Page<T> {
  const hasNext = rows.length > limit;
  const slice = hasNext ? rows.slice(0, limit) : rows;
  const edges = slice.map((r) => ({ cursor: cursorOf(r), node: nodeOf(r) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: hasNext,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/** Base class of a Relay connection over `node`; its edge type is `<nodeName>Edge`. */
export function connectionType<T extends object>(nodeName: string, node: ClassType<T>) {
  @ObjectType(`${nodeName}Edge`, { description: `An edge to a ${nodeName}.` })
  class EdgeType {
    @Field({ description: 'Opaque cursor of this edge; pass it as `after` to continue after it.' })
    cursor!: string;

    @Field(() => node, { description: 'The node.' })
    node!: T;
  }

  @ObjectType(`${nodeName}ConnectionBase`)
  abstract class ConnectionType {
    @Field(() => [EdgeType], { description: 'The edges of this page.' })
    edges!: EdgeType[];

    @Field(() => PageInfo, { description: 'Where this page sits.' })
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}
