import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { EResCreateDocument, EResPublishDocument, EResUpdateDocument, EResWithdrawDocument } from './__generated__/operations';
import { TestEnv, TestServer, data, uploadFile } from './support/harness';

/*
 * The OAI-PMH 2.0 provider at /oai as a harvester sees it. Every response is parsed and checked
 * against the protocol (well-formed XML, the OAI-PMH envelope, the verb's content, the error codes,
 * resumption tokens, deleted records, UTC datestamps), over GET and POST.
 */

const env = new TestEnv();
let api: TestServer;
let dbUrl: string;
let dataDir: string;
let staff: string;
const ids: Record<string, number> = {};

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (name) => ['record', 'header', 'setSpec', 'set', 'metadataFormat', 'dc:title', 'dc:creator', 'dc:identifier', 'dc:subject', 'dc:language'].includes(name) });
const UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const ERRORS = ['badArgument', 'badResumptionToken', 'badVerb', 'cannotDisseminateFormat', 'idDoesNotExist', 'noRecordsMatch', 'noMetadataFormats', 'noSetHierarchy'];

type Doc = Record<string, unknown> & { error?: { '#text': string; '@code': string } };

interface Header {
  '@status'?: string;
  identifier: string;
  datestamp: string;
  setSpec: string[];
}

/** Fetches and checks one response; returns the parsed OAI-PMH element. */
async function oai(args: Record<string, string | string[]>, method: 'GET' | 'POST' = 'GET'): Promise<Doc> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
  const res =
    method === 'GET'
      ? await fetch(`http://127.0.0.1:${api.port}/oai?${params}`)
      : await fetch(`http://127.0.0.1:${api.port}/oai`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: params.toString() });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
  const xml = await res.text();
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  const root = parser.parse(xml)['OAI-PMH'];
  expect(root['@xmlns']).toBe('http://www.openarchives.org/OAI/2.0/');
  expect(root['@xsi:schemaLocation']).toBe('http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd');
  expect(root.responseDate).toMatch(UTC);
  // children in the order the schema fixes: responseDate, request, then the verb or errors
  const order = [...xml.matchAll(/<(responseDate|request|error|Identify|ListMetadataFormats|ListSets|GetRecord|ListIdentifiers|ListRecords)[ >]/g)].map((m) => m[1]);
  expect(order.slice(0, 2)).toEqual(['responseDate', 'request']);
  const request = root.request;
  const baseUrl = typeof request === 'string' ? request : request['#text'];
  expect(baseUrl).toBe(`http://127.0.0.1:${api.port}/oai`);
  if (root.error) {
    expect(ERRORS).toContain(root.error['@code']);
    expect(String(root.error['#text']).length).toBeGreaterThan(0);
    // badVerb and badArgument echo no arguments
    if (['badVerb', 'badArgument'].includes(root.error['@code'])) expect(typeof request).toBe('string');
    return root;
  }
  const verb = args.verb as string;
  expect(request['@verb']).toBe(verb);
  expect(root[verb]).toBeDefined();
  const body = root[verb];
  if (verb === 'GetRecord' || verb === 'ListRecords') {
    for (const r of body.record) checkRecord(r);
  }
  if (verb === 'ListIdentifiers') for (const h of body.header) checkHeader(h);
  if (body.resumptionToken !== undefined) {
    const t = body.resumptionToken;
    expect(Number(typeof t === 'string' ? NaN : t['@completeListSize'])).toBeGreaterThan(0);
    expect(Number(t['@cursor'])).toBeGreaterThanOrEqual(0);
  }
  return root;
}

function checkHeader(h: Header) {
  expect(h.identifier).toMatch(/^oai:shelfnet:eresource:\d+$/);
  expect(h.datestamp).toMatch(UTC);
  expect(h.setSpec.length).toBeGreaterThan(0);
  for (const s of h.setSpec) expect(s).toMatch(/^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$/);
  if (h['@status'] !== undefined) expect(h['@status']).toBe('deleted');
}

function checkRecord(r: { header: Header[]; metadata?: Record<string, Record<string, unknown>> }) {
  const h = r.header[0];
  checkHeader(h);
  if (h['@status'] === 'deleted') {
    expect(r.metadata).toBeUndefined();
    return;
  }
  const dc = r.metadata!['oai_dc:dc'];
  expect(dc['@xmlns:oai_dc']).toBe('http://www.openarchives.org/OAI/2.0/oai_dc/');
  expect(dc['@xmlns:dc']).toBe('http://purl.org/dc/elements/1.1/');
  expect(dc['@xsi:schemaLocation']).toBe('http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd');
  const DC = ['title', 'creator', 'subject', 'description', 'publisher', 'contributor', 'date', 'type', 'format', 'identifier', 'source', 'language', 'relation', 'coverage', 'rights'];
  for (const k of Object.keys(dc).filter((k) => !k.startsWith('@'))) expect(DC.map((d) => `dc:${d}`)).toContain(k);
  expect((dc['dc:title'] as string[]).length).toBeGreaterThan(0);
}

const records = (doc: Doc, verb = 'ListRecords') => (doc[verb] as { record: { header: Header[]; metadata?: Record<string, Record<string, unknown>> }[] }).record;
const token = (doc: Doc, verb = 'ListRecords') => (doc[verb] as { resumptionToken?: { '#text'?: string; '@cursor': string; '@completeListSize': string } }).resumptionToken;

beforeAll(async () => {
  dbUrl = await env.database('demo');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sn-oai-'));
  api = await env.server({ dbUrl, env: { SCHEDULER_INTERVAL_MS: '0', SHELFNET_DATA_DIR: dataDir, OAI_PAGE_SIZE: '2' } });
  staff = await api.login('librarian.bdi-pl');
  const ts = await api.login('librarian.bdi-ts');
  const make = async (token: string, key: string, kind: 'DIGITISED' | 'LICENSED', title: string, extra: Record<string, unknown> = {}) => {
    const up = await uploadFile(api, token, Buffer.from(`Nội dung ${title}`), `${key}.txt`, 'text/plain');
    const r = data(
      await api.gql(EResCreateDocument, { input: { kind, description: { title, creators: ['Tác giả & cộng sự <nhóm>'], language: 'vie', subjects: ['Bình Định'] }, fileIds: [up.body.id!], ...extra } }, { token }),
    ).createEResource;
    if (r.__typename !== 'EResource') throw new Error(JSON.stringify(r));
    data(await api.gql(EResPublishDocument, { id: r.id }, { token }));
    ids[key] = Number(Buffer.from(r.id, 'base64url').toString().split(':')[1]);
    return r.id;
  };
  await make(staff, 'a', 'DIGITISED', 'Hán Nôm: Đại Nam nhất thống chí');
  await make(staff, 'b', 'DIGITISED', 'Báo Bình Định 1936');
  const c = await make(staff, 'c', 'LICENSED', 'Sách điện tử có bản quyền', { licence: { provider: 'NXB Trẻ' } });
  await make(ts, 'd', 'DIGITISED', 'Lịch sử Tây Sơn');
  const e = await make(staff, 'e', 'DIGITISED', 'Bản thảo sẽ rút');
  data(await api.gql(EResWithdrawDocument, { id: e }, { token: staff }));
  // a resource made staff-only is no longer offered: harvesters see it deleted too
  data(await api.gql(EResUpdateDocument, { input: { id: c, accessPolicy: 'STAFF_ONLY' } }, { token: staff }));
  // a draft is never harvested
  data(await api.gql(EResCreateDocument, { input: { kind: 'DIGITISED', description: { title: 'Bản nháp' } } }, { token: staff }));
  // spread the datestamps so from/until can select
  await env.sql(dbUrl, `update e_resources set datestamp = timestamptz '2026-01-10 08:00:00+00' + (id - $1) * interval '1 day' where published_at is not null`, [ids.a]);
});
afterAll(async () => {
  await env.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('Identify and ListMetadataFormats describe the repository', async () => {
  const id = (await oai({ verb: 'Identify' })).Identify as Record<string, string>;
  expect(id).toMatchObject({ protocolVersion: '2.0', deletedRecord: 'persistent', granularity: 'YYYY-MM-DDThh:mm:ssZ', earliestDatestamp: '2026-01-10T08:00:00Z' });
  expect(id.baseURL).toBe(`http://127.0.0.1:${api.port}/oai`);
  expect(id.adminEmail).toContain('@');
  const f = (await oai({ verb: 'ListMetadataFormats' })).ListMetadataFormats as { metadataFormat: Record<string, string>[] };
  expect(f.metadataFormat).toEqual([{ metadataPrefix: 'oai_dc', schema: 'http://www.openarchives.org/OAI/2.0/oai_dc.xsd', metadataNamespace: 'http://www.openarchives.org/OAI/2.0/oai_dc/' }]);
  expect((await oai({ verb: 'ListMetadataFormats', identifier: `oai:shelfnet:eresource:${ids.a}` })).ListMetadataFormats).toBeDefined();
  expect((await oai({ verb: 'ListMetadataFormats', identifier: 'oai:shelfnet:eresource:999999' })).error?.['@code']).toBe('idDoesNotExist');
});

test('ListSets offers sets by library and by kind', async () => {
  const sets = ((await oai({ verb: 'ListSets' })).ListSets as { set: { setSpec: string[]; setName: string }[] }).set.map((s) => s.setSpec[0]);
  expect(sets).toEqual(['library', 'library:BDI-PL', 'library:BDI-TS', 'kind', 'kind:DIGITISED', 'kind:LICENSED', 'kind:CONTRIBUTED']);
  expect((await oai({ verb: 'ListSets', resumptionToken: 'abc' })).error?.['@code']).toBe('badResumptionToken');
});

test('ListRecords walks every record once through resumption tokens, deleted ones included', async () => {
  const seen: Header[] = [];
  let doc = await oai({ verb: 'ListRecords', metadataPrefix: 'oai_dc' });
  for (let page = 0; page < 10; page++) {
    seen.push(...records(doc).map((r) => r.header[0]));
    const t = token(doc);
    expect(Number(t!['@completeListSize'])).toBe(5);
    if (!t?.['#text']) break;
    // harvesters send tokens by POST too
    doc = await oai({ verb: 'ListRecords', resumptionToken: t['#text'] }, page % 2 ? 'POST' : 'GET');
  }
  expect(seen.map((h) => h.identifier)).toEqual(['a', 'b', 'c', 'd', 'e'].map((k) => `oai:shelfnet:eresource:${ids[k]}`));
  const status = Object.fromEntries(seen.map((h) => [h.identifier, h['@status'] ?? 'live']));
  expect(status).toEqual({
    [`oai:shelfnet:eresource:${ids.a}`]: 'live',
    [`oai:shelfnet:eresource:${ids.b}`]: 'live',
    [`oai:shelfnet:eresource:${ids.c}`]: 'deleted',
    [`oai:shelfnet:eresource:${ids.d}`]: 'live',
    [`oai:shelfnet:eresource:${ids.e}`]: 'deleted',
  });
  expect(seen.find((h) => h.identifier.endsWith(`:${ids.d}`))?.setSpec).toEqual(['library', 'library:BDI-TS', 'kind', 'kind:DIGITISED']);
  // the last page carries an empty token with the cursor
  expect(token(doc)).toMatchObject({ '@cursor': '4', '@completeListSize': '5' });
  expect(token(doc)?.['#text']).toBeUndefined();
});

test('GetRecord gives Dublin Core with escaped text; ListIdentifiers gives headers only', async () => {
  const r = records(await oai({ verb: 'GetRecord', identifier: `oai:shelfnet:eresource:${ids.a}`, metadataPrefix: 'oai_dc' }), 'GetRecord')[0];
  const dc = r.metadata!['oai_dc:dc'];
  expect(dc['dc:title']).toEqual(['Hán Nôm: Đại Nam nhất thống chí']);
  // markup characters in the text travel escaped and come back as written
  expect(dc['dc:creator']).toEqual(['Tác giả & cộng sự <nhóm>']);
  expect(dc['dc:language']).toEqual(['vie']);
  expect(dc['dc:identifier']).toContain(`oai:shelfnet:eresource:${ids.a}`);
  expect(dc['dc:format']).toBe('text/plain');
  const deleted = records(await oai({ verb: 'GetRecord', identifier: `oai:shelfnet:eresource:${ids.e}`, metadataPrefix: 'oai_dc' }), 'GetRecord')[0];
  expect(deleted.header[0]['@status']).toBe('deleted');
  const h = await oai({ verb: 'ListIdentifiers', metadataPrefix: 'oai_dc', set: 'library:BDI-TS' });
  expect((h.ListIdentifiers as { header: Header[] }).header.map((x) => x.identifier)).toEqual([`oai:shelfnet:eresource:${ids.d}`]);
  expect(token(h, 'ListIdentifiers')).toBeUndefined();
});

test('from and until select by UTC datestamp, inclusive, at day or second granularity', async () => {
  const list = async (args: Record<string, string>) => {
    const doc = await oai({ verb: 'ListIdentifiers', metadataPrefix: 'oai_dc', ...args });
    return doc.error ? doc.error['@code'] : (doc.ListIdentifiers as { header: Header[] }).header.map((x) => Number(x.identifier.split(':')[3]));
  };
  expect(await list({ from: '2026-01-11', until: '2026-01-12' })).toEqual([ids.b, ids.c]);
  expect(await list({ from: '2026-01-11T08:00:00Z', until: '2026-01-11T08:00:00Z' })).toEqual([ids.b]);
  expect(await list({ from: '2026-01-11T08:00:01Z', until: '2026-01-12T07:59:59Z' })).toBe('noRecordsMatch');
  expect(await list({ set: 'kind:DIGITISED', from: '2026-01-12' })).toEqual([ids.d, ids.e]);
  expect(await list({ from: '2030-01-01' })).toBe('noRecordsMatch');
  expect(await list({ set: 'kind:NOPE' })).toBe('noRecordsMatch');
});

test('every protocol error is answered with its code', async () => {
  const code = async (args: Record<string, string | string[]>, method: 'GET' | 'POST' = 'GET') => (await oai(args, method)).error?.['@code'];
  expect(await code({})).toBe('badVerb');
  expect(await code({ verb: 'Dance' })).toBe('badVerb');
  expect(await code({ verb: ['Identify', 'Identify'] })).toBe('badVerb');
  expect(await code({ verb: 'Identify', extra: 'x' })).toBe('badArgument');
  expect(await code({ verb: 'ListRecords' })).toBe('badArgument');
  expect(await code({ verb: 'ListRecords', metadataPrefix: ['oai_dc', 'oai_dc'] })).toBe('badArgument');
  expect(await code({ verb: 'ListRecords', metadataPrefix: 'oai_dc', from: '2026-13-01' })).toBe('badArgument');
  expect(await code({ verb: 'ListRecords', metadataPrefix: 'oai_dc', from: '2026-01-01', until: '2026-02-01T00:00:00Z' })).toBe('badArgument');
  expect(await code({ verb: 'ListRecords', metadataPrefix: 'oai_dc', from: '2026-02-01', until: '2026-01-01' })).toBe('badArgument');
  expect(await code({ verb: 'ListRecords', metadataPrefix: 'oai_dc', from: '2026-01-01T00:00:00' })).toBe('badArgument');
  expect(await code({ verb: 'ListRecords', metadataPrefix: 'marc21' })).toBe('cannotDisseminateFormat');
  expect(await code({ verb: 'GetRecord', identifier: `oai:shelfnet:eresource:${ids.a}`, metadataPrefix: 'mods' })).toBe('cannotDisseminateFormat');
  expect(await code({ verb: 'GetRecord', identifier: 'oai:other:1', metadataPrefix: 'oai_dc' })).toBe('idDoesNotExist');
  expect(await code({ verb: 'GetRecord', metadataPrefix: 'oai_dc' })).toBe('badArgument');
  expect(await code({ verb: 'ListRecords', resumptionToken: 'garbage' })).toBe('badResumptionToken');
  // a token cannot be altered, nor reused for the other list verb, nor combined with other arguments
  const first = await oai({ verb: 'ListRecords', metadataPrefix: 'oai_dc' });
  const t = token(first)!['#text']!;
  const [body, mac] = t.split('.');
  const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), cursor: 0, after: null })).toString('base64url');
  expect(await code({ verb: 'ListRecords', resumptionToken: `${altered}.${mac}` })).toBe('badResumptionToken');
  expect(await code({ verb: 'ListIdentifiers', resumptionToken: t })).toBe('badResumptionToken');
  expect(await code({ verb: 'ListRecords', resumptionToken: t, metadataPrefix: 'oai_dc' })).toBe('badArgument');
  expect(await code({ verb: 'ListRecords', metadataPrefix: 'oai_dc', set: 'library:BDI-XX' })).toBe('noRecordsMatch');
  // errors come back the same by POST; a POST must be a form
  expect(await code({ verb: 'Dance' }, 'POST')).toBe('badVerb');
  const json = await fetch(`http://127.0.0.1:${api.port}/oai`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(json.status).toBe(415);
});
