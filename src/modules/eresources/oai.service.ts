import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { XMLBuilder } from 'fast-xml-parser';
import { query } from '../../db/sql';
import { EResourceKind } from './eresource.entity';

/**
 * OAI-PMH 2.0 data provider over the published digital library (oai_dc). Records are e-resources
 * ever published; a withdrawn (or now staff-only) one is reported as deleted (deletedRecord
 * "persistent": the provider never forgets it). Sets: `library:<CODE>` and `kind:<KIND>`, under
 * the parents `library` and `kind`. Lists page by (datestamp, id) keyset in signed resumption tokens.
 */

export const OAI_NS = 'http://www.openarchives.org/OAI/2.0/';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const OAI_DC_NS = 'http://www.openarchives.org/OAI/2.0/oai_dc/';
const DC_NS = 'http://purl.org/dc/elements/1.1/';
const ID_PREFIX = 'oai:shelfnet:eresource:';

export type OaiErrorCode =
  | 'badArgument'
  | 'badResumptionToken'
  | 'badVerb'
  | 'cannotDisseminateFormat'
  | 'idDoesNotExist'
  | 'noRecordsMatch'
  | 'noMetadataFormats'
  | 'noSetHierarchy';

class OaiError extends Error {
  constructor(
    readonly code: OaiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const VERBS: Record<string, { required: string[]; optional: string[]; exclusive?: string }> = {
  Identify: { required: [], optional: [] },
  ListMetadataFormats: { required: [], optional: ['identifier'] },
  ListSets: { required: [], optional: [], exclusive: 'resumptionToken' },
  GetRecord: { required: ['identifier', 'metadataPrefix'], optional: [] },
  ListIdentifiers: { required: ['metadataPrefix'], optional: ['from', 'until', 'set'], exclusive: 'resumptionToken' },
  ListRecords: { required: ['metadataPrefix'], optional: ['from', 'until', 'set'], exclusive: 'resumptionToken' },
};

export interface OaiOptions {
  baseUrl: string;
  adminEmail: string;
  repositoryName: string;
  pageSize: number;
  /** Key for resumption tokens (altered tokens are refused). */
  tokenKey: Buffer;
}

interface Row {
  id: string;
  datestamp: Date;
  deleted: boolean;
  kind: string;
  library_code: string;
  title: string;
  creators: string[];
  subjects: string[];
  description: string | null;
  publisher: string | null;
  contributors: string[];
  dc_date: string | null;
  dc_type: string | null;
  dc_format: string | null;
  identifiers: string[];
  source: string | null;
  language: string | null;
  relations: string[];
  coverage: string | null;
  rights: string | null;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  format: false,
  suppressEmptyNode: true,
  processEntities: true,
});

/** UTC, second granularity: 2026-12-01T10:00:00Z. */
function utc(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Query or form arguments as OAI-PMH sees them: a repeated argument is an error, so keep arrays. */
export type OaiArgs = Record<string, string | string[] | undefined>;

export class OaiProvider {
  constructor(private readonly opts: OaiOptions) {}

  /** Answers one request; always a complete OAI-PMH XML document (errors included). */
  async handle(em: EntityManager, args: OaiArgs): Promise<string> {
    const responseDate = utc(new Date());
    let requestAttrs: Record<string, string> = {};
    try {
      const verb = args.verb;
      if (typeof verb !== 'string' || !VERBS[verb]) {
        throw new OaiError('badVerb', verb === undefined ? 'The verb argument is missing.' : Array.isArray(verb) ? 'The verb argument is repeated.' : `${verb} is not an OAI-PMH verb.`);
      }
      const a = this.checkArgs(verb, args);
      requestAttrs = { verb, ...a };
      const body = await this.dispatch(em, verb, a);
      return this.envelope(responseDate, requestAttrs, { [verb]: body });
    } catch (err) {
      if (!(err instanceof OaiError)) throw err;
      // badVerb and badArgument echo no arguments (they may not be valid)
      const attrs = err.code === 'badVerb' || err.code === 'badArgument' ? {} : requestAttrs;
      return this.envelope(responseDate, attrs, { error: { '@_code': err.code, '#text': err.message } });
    }
  }

  private envelope(responseDate: string, attrs: Record<string, string>, content: Record<string, unknown>): string {
    const request: Record<string, string> = { '#text': this.opts.baseUrl };
    for (const [k, v] of Object.entries(attrs)) request[`@_${k}`] = v;
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      builder.build({
        'OAI-PMH': {
          '@_xmlns': OAI_NS,
          '@_xmlns:xsi': XSI,
          '@_xsi:schemaLocation': `${OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd`,
          responseDate,
          request,
          ...content,
        },
      })
    );
  }

  private checkArgs(verb: string, args: OaiArgs): Record<string, string> {
    const spec = VERBS[verb];
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(args)) {
      if (k === 'verb') continue;
      if (v === undefined) continue;
      if (Array.isArray(v)) throw new OaiError('badArgument', `The argument ${k} is repeated.`);
      if (![...spec.required, ...spec.optional, spec.exclusive].includes(k)) throw new OaiError('badArgument', `${verb} takes no argument ${k}.`);
      out[k] = v;
    }
    if (spec.exclusive && out[spec.exclusive] !== undefined) {
      if (Object.keys(out).length > 1) throw new OaiError('badArgument', `${spec.exclusive} is an exclusive argument.`);
      return out;
    }
    for (const r of spec.required) if (out[r] === undefined || out[r] === '') throw new OaiError('badArgument', `${verb} requires the argument ${r}.`);
    return out;
  }

  private async dispatch(em: EntityManager, verb: string, a: Record<string, string>): Promise<unknown> {
    switch (verb) {
      case 'Identify':
        return this.identify(em);
      case 'ListMetadataFormats':
        if (a.identifier !== undefined) await this.requireRecord(em, a.identifier);
        return { metadataFormat: [{ metadataPrefix: 'oai_dc', schema: 'http://www.openarchives.org/OAI/2.0/oai_dc.xsd', metadataNamespace: OAI_DC_NS }] };
      case 'ListSets':
        if (a.resumptionToken !== undefined) throw new OaiError('badResumptionToken', 'ListSets is complete in one response: no resumption token is valid.');
        return this.listSets(em);
      case 'GetRecord': {
        this.requirePrefix(a.metadataPrefix);
        const row = await this.requireRecord(em, a.identifier);
        return { record: this.record(row, true) };
      }
      default:
        return this.list(em, verb === 'ListRecords', a);
    }
  }

  private async identify(em: EntityManager) {
    const rows = await query<{ earliest: string | null }>(em, `select min(date_trunc('second', datestamp)) earliest from e_resources where published_at is not null`);
    return {
      repositoryName: this.opts.repositoryName,
      baseURL: this.opts.baseUrl,
      protocolVersion: '2.0',
      adminEmail: this.opts.adminEmail,
      earliestDatestamp: utc(rows[0].earliest ? new Date(rows[0].earliest) : new Date()),
      deletedRecord: 'persistent',
      granularity: 'YYYY-MM-DDThh:mm:ssZ',
    };
  }

  private async listSets(em: EntityManager) {
    const libs = await query<{ code: string; name: string }>(
      em,
      `select l.code, l.name from libraries l where exists (select 1 from e_resources e where e.library_id = l.id and e.published_at is not null) order by l.code`,
    );
    const kinds: Record<string, string> = {
      [EResourceKind.DIGITISED]: 'Digitised by the libraries',
      [EResourceKind.LICENSED]: 'Licensed e-resources',
      [EResourceKind.CONTRIBUTED]: 'Documents contributed by provincial agencies',
    };
    return {
      set: [
        { setSpec: 'library', setName: 'By owning library' },
        ...libs.map((l) => ({ setSpec: `library:${l.code}`, setName: l.name })),
        { setSpec: 'kind', setName: 'By kind of e-resource' },
        ...Object.entries(kinds).map(([k, name]) => ({ setSpec: `kind:${k}`, setName: name })),
      ],
    };
  }

  private requirePrefix(prefix: string | undefined): void {
    if (prefix !== 'oai_dc') throw new OaiError('cannotDisseminateFormat', `The metadata format ${prefix} is not supported: use oai_dc.`);
  }

  private async requireRecord(em: EntityManager, identifier: string): Promise<Row> {
    const m = new RegExp(`^${ID_PREFIX.replace(/[.:]/g, '\\$&')}([1-9][0-9]{0,15})$`).exec(identifier);
    const rows = m ? await query<Row>(em, `${SELECT} where e.id = ? and e.published_at is not null`, [m[1]]) : [];
    if (!rows[0]) throw new OaiError('idDoesNotExist', `${identifier} is not an identifier of this repository.`);
    return rows[0];
  }

  private async list(em: EntityManager, withMetadata: boolean, a: Record<string, string>) {
    let state: TokenState;
    if (a.resumptionToken !== undefined) {
      state = this.readToken(a.resumptionToken, withMetadata);
    } else {
      this.requirePrefix(a.metadataPrefix);
      const from = a.from !== undefined ? parseDatestamp(a.from, false) : null;
      const until = a.until !== undefined ? parseDatestamp(a.until, true) : null;
      if (from && until && from.granularity !== until.granularity) throw new OaiError('badArgument', 'from and until must have the same granularity.');
      if (from && until && from.at >= until.at) throw new OaiError('badArgument', 'from is after until.');
      if (a.set !== undefined && !/^(library|kind)(:[A-Za-z0-9\-_.!~*'()]+)?$/.test(a.set)) {
        throw new OaiError('noRecordsMatch', `No record is in the set ${a.set}.`);
      }
      state = { v: withMetadata ? 'r' : 'i', from: from?.at.toISOString() ?? null, until: until?.at.toISOString() ?? null, set: a.set ?? null, after: null, cursor: 0 };
    }
    const where: string[] = ['e.published_at is not null'];
    const params: unknown[] = [];
    if (state.from) {
      where.push('e.datestamp >= ?');
      params.push(state.from);
    }
    if (state.until) {
      where.push('e.datestamp < ?');
      params.push(state.until);
    }
    if (state.set) {
      const [top, value] = state.set.split(':');
      if (value !== undefined) {
        where.push(top === 'library' ? 'l.code = ?' : 'e.kind = ?');
        params.push(value);
      }
    }
    const total = Number((await query<{ n: string }>(em, `select count(*) n from e_resources e join libraries l on l.id = e.library_id where ${where.join(' and ')}`, params))[0].n);
    const page = await query<Row>(
      em,
      `${SELECT} where ${where.join(' and ')} ${state.after ? `and (date_trunc('second', e.datestamp), e.id) > (?::timestamptz, ?)` : ''}
        order by date_trunc('second', e.datestamp), e.id limit ?`,
      [...params, ...(state.after ? state.after : []), this.opts.pageSize + 1],
    );
    if (page.length === 0) {
      throw new OaiError('noRecordsMatch', 'No record matches the arguments.');
    }
    const more = page.length > this.opts.pageSize;
    const rows = more ? page.slice(0, this.opts.pageSize) : page;
    const last = rows[rows.length - 1];
    const token: Record<string, unknown> = { '@_completeListSize': String(total), '@_cursor': String(state.cursor) };
    if (more) {
      token['#text'] = this.writeToken({ ...state, after: [utc(new Date(last.datestamp)), Number(last.id)], cursor: state.cursor + rows.length });
    }
    const items = withMetadata ? { record: rows.map((r) => this.record(r, true)) } : { header: rows.map((r) => this.header(r)) };
    // the last page of a list that needed tokens ends with an empty token; a single page carries none
    return more || state.cursor > 0 ? { ...items, resumptionToken: token } : items;
  }

  private header(r: Row) {
    return {
      ...(r.deleted ? { '@_status': 'deleted' } : {}),
      identifier: ID_PREFIX + r.id,
      datestamp: utc(new Date(r.datestamp)),
      setSpec: ['library', `library:${r.library_code}`, 'kind', `kind:${r.kind}`],
    };
  }

  private record(r: Row, withMetadata: boolean) {
    if (r.deleted || !withMetadata) return { header: this.header(r) };
    const dc: Record<string, unknown> = {
      '@_xmlns:oai_dc': OAI_DC_NS,
      '@_xmlns:dc': DC_NS,
      '@_xmlns:xsi': XSI,
      '@_xsi:schemaLocation': `${OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd`,
    };
    const put = (name: string, v: string | string[] | null) => {
      const list = (Array.isArray(v) ? v : v === null ? [] : [v]).filter((x) => x !== '');
      if (list.length) dc[`dc:${name}`] = list;
    };
    put('title', r.title);
    put('creator', r.creators);
    put('subject', r.subjects);
    put('description', r.description);
    put('publisher', r.publisher);
    put('contributor', r.contributors);
    put('date', r.dc_date);
    put('type', r.dc_type);
    put('format', r.dc_format);
    put('identifier', [ID_PREFIX + r.id, ...r.identifiers]);
    put('source', r.source);
    put('language', r.language);
    put('relation', r.relations);
    put('coverage', r.coverage);
    put('rights', r.rights);
    return { header: this.header(r), metadata: { 'oai_dc:dc': dc } };
  }

  private writeToken(s: TokenState): string {
    const body = Buffer.from(JSON.stringify(s)).toString('base64url');
    return `${body}.${createHmac('sha256', this.opts.tokenKey).update(body).digest('base64url').slice(0, 22)}`;
  }

  private readToken(token: string, withMetadata: boolean): TokenState {
    const bad = () => new OaiError('badResumptionToken', 'The resumption token is not valid (altered, or from another list).');
    const m = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{22})$/.exec(token);
    if (!m) throw bad();
    const mac = Buffer.from(createHmac('sha256', this.opts.tokenKey).update(m[1]).digest('base64url').slice(0, 22));
    if (!timingSafeEqual(mac, Buffer.from(m[2]))) throw bad();
    let s: TokenState;
    try {
      s = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8'));
    } catch {
      throw bad();
    }
    if (s.v !== (withMetadata ? 'r' : 'i')) throw bad();
    return s;
  }
}

interface TokenState {
  /** r = ListRecords, i = ListIdentifiers (a token works only for the verb that issued it). */
  v: 'r' | 'i';
  from: string | null;
  until: string | null;
  set: string | null;
  after: [string, number] | null;
  cursor: number;
}

/** A from/until argument: a day (YYYY-MM-DD) or a second (YYYY-MM-DDThh:mm:ssZ), UTC. `until` is inclusive. */
function parseDatestamp(v: string, until: boolean): { at: Date; granularity: 'day' | 'second' } {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const second = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(v);
  if (!day && !second) throw new OaiError('badArgument', `${v} is not a UTC datestamp (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ).`);
  const at = new Date(day ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(at.getTime()) || utc(at).slice(0, v.length) !== (day ? v : v)) throw new OaiError('badArgument', `${v} is not a valid date.`);
  // inclusive until: up to the end of that day or second
  const end = until ? new Date(at.getTime() + (day ? 86_400_000 : 1000)) : at;
  return { at: end, granularity: day ? 'day' : 'second' };
}

const SELECT = `select e.id, date_trunc('second', e.datestamp) datestamp,
    (e.status <> 'PUBLISHED' or e.access_policy = 'STAFF_ONLY') deleted, e.kind, l.code library_code,
    e.title, e.creators, e.subjects, e.description, e.publisher, e.contributors, e.dc_date, e.dc_type, e.dc_format,
    e.identifiers, e.source, e.language, e.relations, e.coverage, e.rights
  from e_resources e join libraries l on l.id = e.library_id`;
