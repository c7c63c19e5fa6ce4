import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
} from 'graphql';
import { Client } from 'pg';
import WebSocket from 'ws';

/**
 * Property-based fuzzing of the running API (fast-check): random well-typed operations built from
 * schema/schema.graphql with hostile variable values, broken HTTP bodies and content types, and
 * malformed WebSocket traffic. The property: every answer is a GraphQL response or a 4xx (a 503 only
 * for TIMEOUT, i.e. overload), never an internal error; afterwards the server still serves and the
 * database invariants hold. Used by test/fuzz.test.ts (fixed seed, a few hundred runs) and by
 * `npm run fuzz -- --runs 100000`.
 */

export interface Target {
  url: string;
  wsUrl: string;
  /** Bearer tokens or API keys to call as (null: anonymous). */
  viewers: (Record<string, string> | null)[];
  /** Real values (barcodes, card numbers, ids) mixed into the random ones so some calls reach real rows. */
  pool: { strings: string[]; ids: string[] };
}

export interface Finding {
  kind: string;
  request: unknown;
  status: number;
  body: string;
}

/** schema/schema.graphql, found upwards from here (scripts/fuzz, or dist/scripts/fuzz once compiled). */
export function loadSchema(): GraphQLSchema {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'schema', 'schema.graphql');
    if (fs.existsSync(file)) return buildSchema(fs.readFileSync(file, 'utf8'));
  }
  throw new Error('schema/schema.graphql not found');
}

// ---------------------------------------------------------------------------------------------
// hostile values

const METACHARS = [
  "'; drop table items; --",
  '" or 1=1 --',
  '$$; delete from loans; $$',
  '%',
  '_',
  '\\',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  '<script>alert(1)</script>',
  ']]>',
  '{{7*7}}',
  '${process.exit()}',
  '../../../../etc/passwd',
  '\u0000',
  'a\u0000b',
  '\u0007\u001b[2J',
  '\u202e\u200b\ufeff',
  'Truyện Kiều',
  'đ Đ ơ ư',
  '😀📚',
  'NaN',
  'null',
  'undefined',
  '-1',
  '1e309',
  '0x41',
  'snk_0000000000_' + 'A'.repeat(43),
  'snr_' + 'B'.repeat(43),
  'Bearer x',
];

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 3, arbitrary: fc.constantFrom(...METACHARS) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 120_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...METACHARS), { maxLength: 5 }).map((a) => a.join(' ')) },
);

const hostileInt: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -5, max: 120 }),
  fc.constantFrom(0, -1, 100, 101, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, 0.5, -0.0),
  fc.integer(),
  fc.double(),
  hostileString,
);

/** Values that are wrong for any type: a GraphQL server must refuse them as bad input. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, '', [], {}, [[[]]], { '': null }, { __proto__: { polluted: true } }, { constructor: { prototype: { x: 1 } } }),
  fc.json().map((j) => JSON.parse(j) as unknown),
  fc.integer({ min: 50, max: 3000 }).map((depth) => {
    let v: unknown = 'deep';
    for (let i = 0; i < depth; i++) v = [v];
    return v;
  }),
  fc.integer({ min: 50, max: 3000 }).map((depth) => {
    let v: unknown = 'deep';
    for (let i = 0; i < depth; i++) v = { a: v };
    return v;
  }),
);

function valueFor(type: GraphQLInputType, pool: Target['pool'], depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return fc.oneof({ weight: 12, arbitrary: valueFor(type.ofType, pool, depth) }, { weight: 1, arbitrary: junk });
  const withNull = (a: fc.Arbitrary<unknown>) => fc.oneof({ weight: 8, arbitrary: a }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: junk });
  if (isListType(type)) {
    return withNull(
      fc.oneof(
        { weight: 6, arbitrary: fc.array(valueFor(type.ofType, pool, depth + 1), { maxLength: 5 }) },
        // a long list of one short scalar (long lists of long values would only test the body limit)
        ...(isLeafType(getNamedType(type.ofType))
          ? [
              {
                weight: 1,
                arbitrary: fc
                  .tuple(fc.integer({ min: 100, max: 1500 }), valueFor(type.ofType, pool, depth + 1))
                  .map(([n, v]) => new Array(n).fill(typeof v === 'string' ? v.slice(0, 100) : v)),
              },
            ]
          : []),
      ),
    );
  }
  if (isEnumType(type)) return withNull(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)) }, { weight: 1, arbitrary: hostileString }));
  if (isInputObjectType(type)) {
    if (depth > 4) return fc.constant(null);
    const fields = Object.values(type.getFields());
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of fields) record[f.name] = valueFor(f.type, pool, depth + 1);
    return withNull(
      fc.tuple(fc.record(record, { requiredKeys: fields.filter((f) => isNonNullType(f.type)).map((f) => f.name) }), fc.option(fc.dictionary(hostileString, junk, { maxKeys: 2 }))).map(
        ([o, extra]) => (extra ? { ...extra, ...o } : o),
      ),
    );
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return withNull(hostileInt);
      case 'Float':
        return withNull(fc.oneof(fc.double(), hostileInt));
      case 'Boolean':
        return withNull(fc.oneof({ weight: 5, arbitrary: fc.boolean() }, { weight: 1, arbitrary: hostileString }));
      case 'ID':
        return withNull(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool.ids) }, { weight: 2, arbitrary: idLike }, { weight: 2, arbitrary: hostileString }));
      case 'DateTime':
      case 'DateTimeISO':
        return withNull(fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('2026-13-45T99:99:99Z', '0000-00-00', '9999-12-31T23:59:59Z', 'yesterday'), hostileString));
      default:
        return withNull(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool.strings) }, { weight: 4, arbitrary: hostileString }));
    }
  }
  return fc.constant(null);
}

const idLike = fc
  .tuple(fc.constantFrom('Library', 'BibliographicRecord', 'Item', 'StaffAccount', 'Patron', 'Loan', 'Hold', 'Transit', 'ApiClient', 'Foo'), fc.oneof(fc.integer({ min: -3, max: 5000 }), fc.constantFrom(2 ** 53, 9007199254740993)))
  .map(([t, n]) => Buffer.from(`${t}:${n}`, 'utf8').toString('base64url'));

// ---------------------------------------------------------------------------------------------
// random well-typed operations

interface Op {
  query: string;
  variables: Record<string, unknown>;
}

function typeName(t: GraphQLInputType): string {
  return t.toString();
}

function selection(type: GraphQLNamedType, depth: number, rnd: () => number): string {
  if (isLeafType(type)) return '';
  if (isUnionType(type) || isInterfaceType(type)) {
    const possible = isUnionType(type) ? type.getTypes() : [];
    const parts = ['__typename'];
    if (isInterfaceType(type)) parts.push(...fieldsOf(type as unknown as GraphQLObjectType, depth, rnd));
    for (const t of possible) if (rnd() < 0.5) parts.push(`... on ${t.name} { __typename ${fieldsOf(t, depth, rnd).join(' ')} }`);
    return `{ ${parts.join(' ')} }`;
  }
  if (isObjectType(type)) return `{ __typename ${fieldsOf(type, depth, rnd).join(' ')} }`;
  return '';
}

function fieldsOf(type: GraphQLObjectType, depth: number, rnd: () => number): string[] {
  const out: string[] = [];
  for (const f of Object.values(type.getFields())) {
    const named = getNamedType(f.type);
    const leaf = isLeafType(named);
    if (!leaf && depth >= 3) continue;
    if (rnd() > (leaf ? 0.5 : 0.25)) continue;
    // nested fields with required arguments are skipped (their arguments are fuzzed at the root)
    if (f.args.some((a) => isNonNullType(a.type))) continue;
    const args = f.args.filter((a) => a.name === 'first' && rnd() < 0.5).map(() => `first: ${Math.floor(rnd() * 5)}`);
    out.push(`${f.name}${args.length ? `(${args.join(', ')})` : ''} ${leaf ? '' : selection(named, depth + 1, rnd)}`);
  }
  return out;
}

function operationFor(root: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, pool: Target['pool']): fc.Arbitrary<Op> {
  const args = field.args as readonly GraphQLArgument[];
  const values: Record<string, fc.Arbitrary<unknown>> = {};
  for (const a of args) values[a.name] = fc.oneof({ weight: 10, arbitrary: valueFor(a.type, pool) }, { weight: 1, arbitrary: fc.constant(undefined) });
  return fc.tuple(fc.record(values), fc.integer()).map(([vars, seed]) => {
    let s = seed >>> 0 || 1;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const defs = args.map((a) => `$${a.name}: ${typeName(a.type)}`);
    const use = args.map((a) => `${a.name}: $${a.name}`);
    const sel = selection(getNamedType(field.type), 1, rnd);
    const variables: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(vars)) if (v !== undefined) variables[k] = v;
    return {
      query: `${root} Fuzz${defs.length ? `(${defs.join(', ')})` : ''} { ${field.name}${use.length ? `(${use.join(', ')})` : ''} ${sel} }`,
      variables,
    };
  });
}

export function operations(schema: GraphQLSchema, pool: Target['pool']): fc.Arbitrary<Op> {
  const arbs: fc.Arbitrary<Op>[] = [];
  for (const [root, type] of [['query', schema.getQueryType()], ['mutation', schema.getMutationType()]] as const) {
    if (!type) continue;
    for (const f of Object.values(type.getFields())) arbs.push(operationFor(root, f, pool));
  }
  return fc.oneof(...arbs);
}

// ---------------------------------------------------------------------------------------------
// requests and the property

export type Request = { method: 'POST' | 'GET'; headers: Record<string, string>; body?: string | Buffer; search?: string };

/** Turns an operation into one HTTP request, sometimes broken on purpose. */
export function requests(schema: GraphQLSchema, target: Target): fc.Arbitrary<Request> {
  const op = operations(schema, target.pool);
  const viewer = fc.constantFrom(...target.viewers);
  const json = { 'content-type': 'application/json' };
  return fc.oneof(
    // a well-formed POST
    { weight: 10, arbitrary: fc.tuple(op, viewer).map(([o, v]): Request => ({ method: 'POST', headers: { ...json, ...(v ?? {}) }, body: JSON.stringify(o) })) },
    // lone surrogates and control characters escaped in the JSON itself
    {
      weight: 2,
      arbitrary: fc.tuple(op, fc.constantFrom('\\ud800', '\\udc00', '\\udfff\\ud800', '\\u0000', '\\u001f')).map(([o, esc]): Request => ({
        method: 'POST',
        headers: json,
        body: JSON.stringify(o).replace(/"([^"\\]{1,10})"/, `"$1${esc}"`),
      })),
    },
    // invalid UTF-8 bytes spliced into the body
    {
      weight: 2,
      arbitrary: fc.tuple(op, fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.nat()).map(([o, bytes, at]): Request => {
        const b = Buffer.from(JSON.stringify(o));
        const i = at % (b.length + 1);
        return { method: 'POST', headers: json, body: Buffer.concat([b.subarray(0, i), Buffer.from(bytes.map((x) => x | 0x80)), b.subarray(i)]) };
      }),
    },
    // malformed JSON: cut, doubled, garbage
    {
      weight: 2,
      arbitrary: fc.tuple(op, fc.nat(), fc.constantFrom('cut', 'double', 'garbage', 'nested')).map(([o, n, how]): Request => {
        const s = JSON.stringify(o);
        const body =
          how === 'cut' ? s.slice(0, n % s.length) : how === 'double' ? s + s : how === 'garbage' ? `{"query": ${'['.repeat(n % 5000)}` : `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`;
        return { method: 'POST', headers: json, body };
      }),
    },
    // wrong content types and bodies that are not an operation
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          op,
          fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/xml', 'application/graphql', ''),
        )
        .map(([o, ct]): Request => ({ method: 'POST', headers: ct ? { 'content-type': ct } : {}, body: JSON.stringify(o) })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('[]', '[{"query":"{ __typename }"}]', 'null', '"x"', '1', '{}', '{"query": 5}', '{"query": "{ __typename }", "variables": "x"}', '{"documentId": 1}').map(
        (body): Request => ({ method: 'POST', headers: json, body }),
      ),
    },
    // GET with the operation in the URL (mutations must be refused)
    {
      weight: 2,
      arbitrary: fc.tuple(op, fc.boolean()).map(([o, preflight]): Request => ({
        method: 'GET',
        headers: preflight ? { 'apollo-require-preflight': 'true' } : {},
        search: `?query=${encodeURIComponent(o.query)}&variables=${encodeURIComponent(JSON.stringify(o.variables)).slice(0, 4000)}`,
      })),
    },
    // hostile headers
    {
      weight: 1,
      arbitrary: fc.tuple(op, hostileString.filter((s) => /^[\t\x20-\x7e]*$/.test(s) && s.length < 8000)).map(([o, h]): Request => ({
        method: 'POST',
        headers: { ...json, authorization: h, 'x-api-key': h.slice(0, 100), 'x-request-id': h },
        body: JSON.stringify(o),
      })),
    },
  );
}

/** The API's default MAX_REQUEST_BYTES. */
const MAX_BODY = 1024 * 1024;

/** Requests that failed once at the socket and were answered when sent again (reported by the script). */
export let transientFailures = 0;

/** A short, printable form of anything (counterexamples hold strings of 100,000 characters and deep nesting). */
export function brief(v: unknown, depth = 0): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 300 ? `${v.slice(0, 200)}…(${v.length} chars)…${v.slice(-50)}` : v);
  if (Buffer.isBuffer(v)) return brief(v.toString('latin1'), depth);
  if (v === null || typeof v !== 'object') return String(v);
  if (depth > 12) return '…';
  if (Array.isArray(v)) return `[${v.slice(0, 10).map((x) => brief(x, depth + 1)).join(',')}${v.length > 10 ? `,…(${v.length})` : ''}]`;
  const entries = Object.entries(v as Record<string, unknown>);
  return `{${entries.slice(0, 20).map(([k, x]) => `${JSON.stringify(k)}:${brief(x, depth + 1)}`).join(',')}${entries.length > 20 ? ',…' : ''}}`;
}

/** Sends one request; returns a finding when the answer breaks the property. */
export async function check(target: Target, r: Request): Promise<Finding | null> {
  let res: Response;
  const send = () => fetch(target.url + (r.search ?? ''), { method: r.method, headers: r.headers, body: r.body as never });
  try {
    try {
      res = await send();
    } catch {
      // a socket closed under a reused keep-alive connection is the client's race, not an answer:
      // the same request again, which must then get an answer
      transientFailures++;
      res = await send();
    }
  } catch (err) {
    // a body over the limit is answered 413 before it is read, and the socket closed: writing the rest fails
    if ((r.body?.length ?? 0) > MAX_BODY) return null;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'connection failed', request: brief(r), status: 0, body: `${String(err)} ${cause?.code ?? ''} ${cause?.message ?? ''}` };
  }
  const text = await res.text();
  const finding = (kind: string): Finding => ({ kind, request: brief(r), status: res.status, body: text.slice(0, 1000) });
  let json: { data?: unknown; errors?: { message?: string; extensions?: { code?: string } }[] } | null = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  const codes = (json?.errors ?? []).map((e) => e.extensions?.code);
  if (res.status >= 500 && !(res.status === 503 && codes.includes('TIMEOUT'))) return finding('5xx');
  if (!json || typeof json !== 'object' || (!('data' in json) && !Array.isArray(json.errors))) return finding('not a GraphQL response');
  if (codes.includes('INTERNAL_SERVER_ERROR')) return finding('internal error');
  if (/\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+|relation "|syntax error at or near/i.test(text)) return finding('leaks internals');
  return null;
}

// ---------------------------------------------------------------------------------------------
// WebSocket

const wsMessage: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.json(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.constantFrom(
    '{"type":"connection_init"}',
    '{"type":"connection_init","payload":{"authorization":"Bearer x"}}',
    '{"type":"subscribe"}',
    '{"type":"subscribe","id":"1","payload":{}}',
    '{"type":"subscribe","id":"1","payload":{"query":"{ __typename }"}}',
    '{"type":"subscribe","id":"1","payload":{"query":"subscription { resourceSharingEvents(libraryCode: \\"BDI-PL\\") { type } }"}}',
    '{"type":"complete","id":"nope"}',
    '{"type":"ping"}',
    '{"type":"pong"}',
    '{"type":"next","id":"1","payload":{}}',
    '{"type":"subscribe","id":"' + 'x'.repeat(5000) + '","payload":{"query":"{ __typename }"}}',
  ),
);

/** Opens a socket, sends a random sequence, and checks the server only ever closes with protocol codes. */
export async function checkWebSocket(target: Target, messages: (string | Buffer)[]): Promise<Finding | null> {
  const ws = new WebSocket(target.wsUrl, 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => undefined);
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('error', () => resolve(false));
  });
  if (!opened) return { kind: 'websocket refused', request: messages, status: 0, body: '' };
  for (const m of messages) {
    if (ws.readyState !== ws.OPEN) break;
    ws.send(m);
  }
  const code = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 300))]);
  if (ws.readyState === ws.OPEN) ws.close();
  // 1000/1005 normal, 1006 when we close first, 1009 too big, 44xx graphql-ws protocol, 4000 idle
  if (code !== -1 && !(code === 1000 || code === 1005 || code === 1006 || code === 1009 || (code >= 4000 && code < 4500))) {
    return { kind: `websocket closed with ${code}`, request: brief(messages), status: code, body: '' };
  }
  return null;
}

export function webSocketSessions(): fc.Arbitrary<(string | Buffer)[]> {
  return fc.array(wsMessage, { minLength: 1, maxLength: 6 });
}

// ---------------------------------------------------------------------------------------------
// afterwards

/** Database invariants that no request, however malformed, may break. Returns the violations. */
export async function invariants(dbUrl: string): Promise<string[]> {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const checks: [string, string][] = [
      ['copies ON_LOAN without exactly one open loan, or open loans of copies not ON_LOAN',
        `select count(*) n from items i where (i.status = 'ON_LOAN') <> exists (select 1 from loans l where l.item_id = i.id and l.returned_at is null)`],
      ['copies IN_TRANSIT without an open transit, or open transits of copies not IN_TRANSIT',
        `select count(*) n from items i where (i.status = 'IN_TRANSIT') <> exists (select 1 from transits t where t.item_id = i.id and t.received_at is null)`],
      ['copies ON_HOLD_SHELF without a ready hold that captured them',
        `select count(*) n from items i where (i.status = 'ON_HOLD_SHELF') <> exists (select 1 from holds h where h.captured_item_id = i.id and h.status = 'READY_FOR_PICKUP')`],
      ['holds in transit or ready without a captured copy, or waiting ones with one',
        `select count(*) n from holds where (status in ('IN_TRANSIT','READY_FOR_PICKUP')) <> (captured_item_id is not null) and status in ('WAITING','IN_TRANSIT','READY_FOR_PICKUP')`],
      ['a patron with two active holds on one title',
        `select count(*) n from (select 1 from holds where status in ('WAITING','IN_TRANSIT','READY_FOR_PICKUP') group by patron_id, record_id having count(*) > 1) x`],
      ['holdings counts that differ from the copies',
        `select count(*) n from (
           select coalesce(h.record_id, i.record_id) r from record_holdings h
           full join (select record_id, library_id, count(*) filter (where status <> 'WITHDRAWN') t, count(*) filter (where status = 'AVAILABLE') a
                        from items group by record_id, library_id) i on i.record_id = h.record_id and i.library_id = h.library_id
          where coalesce(h.total, 0) <> coalesce(i.t, 0) or coalesce(h.available, 0) <> coalesce(i.a, 0)) x`],
      ['copies of a merged-away record', `select count(*) n from items i join bib_records r on r.id = i.record_id where r.merged_into_id is not null`],
      ['loans, holds or transits of missing rows (orphans)',
        `select (select count(*) from loans l where not exists (select 1 from items i where i.id = l.item_id))
              + (select count(*) from holds h where not exists (select 1 from patrons p where p.id = h.patron_id))
              + (select count(*) from refresh_tokens t where not exists (select 1 from auth_sessions s where s.id = t.session_id)) n`],
      ['a session with more than one unspent refresh token',
        `select count(*) n from (select session_id from refresh_tokens where used_at is null group by session_id having count(*) > 1) x`],
    ];
    const out: string[] = [];
    for (const [what, sql] of checks) {
      const n = Number((await c.query(sql)).rows[0].n);
      if (n !== 0) out.push(`${what}: ${n}`);
    }
    return out;
  } finally {
    await c.end();
  }
}

export interface RunOptions {
  seed: number;
  runs: number;
  /** Also fuzz this many WebSocket sessions. */
  wsRuns: number;
  onProgress?: (done: number) => void;
}

/** Runs the HTTP and WebSocket properties; returns every finding (fast-check shrinks the first). */
export async function fuzz(target: Target, o: RunOptions): Promise<{ findings: Finding[]; counterexample: string | null }> {
  const schema = loadSchema();
  const findings: Finding[] = [];
  let done = 0;
  const http = fc.asyncProperty(requests(schema, target), async (r) => {
    const f = await check(target, r);
    if (++done % 1000 === 0) o.onProgress?.(done);
    if (f) {
      findings.push(f);
      return false;
    }
    return true;
  });
  const ws = fc.asyncProperty(webSocketSessions(), async (m) => {
    const f = await checkWebSocket(target, m);
    if (f) {
      findings.push(f);
      return false;
    }
    return true;
  });
  const a = await fc.check(http, { seed: o.seed, numRuns: o.runs, endOnFailure: true });
  const b = await fc.check(ws, { seed: o.seed, numRuns: o.wsRuns, endOnFailure: true });
  const counterexample = a.failed ? brief(a.counterexample) : b.failed ? brief(b.counterexample) : null;
  return { findings, counterexample };
}
