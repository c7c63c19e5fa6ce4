import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeEpub, makePdf } from '../src/demo/eresource-samples';
import {
  EResBorrowDocument,
  EResCatalogDocument,
  EResCreateAgencyDocument,
  EResCreateContributorDocument,
  EResCreateDocument,
  EResCreateRecordDocument,
  EResGetDocument,
  EResLoginPatronDocument,
  EResMeDocument,
  EResNodeDocument,
  EResOpenDocument,
  EResPublishDocument,
  EResReturnDocument,
  EResReviewDocument,
  EResSearchDocument,
  EResSetIpRangesDocument,
  EResSubmissionsDocument,
  EResSubmitDocument,
  EResUpdateDocument,
  EResUsageDocument,
  EResWithdrawDocument,
  type CreateEResourceInput,
} from './__generated__/operations';
import { spawnSync } from 'node:child_process';
import { ROOT, TestEnv, TestServer, data, eventually, uploadFile } from './support/harness';

/*
 * The digital library (issue 5) as staff, contributors, readers and the reader app see it: the
 * workflow (draft → published → withdrawn; submitted → rejected → resubmitted → approved), the union
 * catalog link and "online" holdings, access policies, licences and digital loans within their
 * concurrent-user limit, background full-text extraction and search inside documents, usage
 * statistics, and the audit + outbox rows every step leaves. Files: eresources-files.test.ts;
 * OAI-PMH: oai.test.ts.
 */

const env = new TestEnv();
let api: TestServer;
let dbUrl: string;
let dataDir: string;
const tok: Record<'pl' | 'plAdmin' | 'ts' | 'admin', string> = { pl: '', plAdmin: '', ts: '', admin: '' };
const patrons: Record<'pl' | 'ts' | 'pl2', string> = { pl: '', ts: '', pl2: '' };

beforeAll(async () => {
  dbUrl = await env.database('demo');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sn-eres-'));
  // a second BDI-PL reader who can sign in (same PIN as the demo readers)
  await env.addPatrons(dbUrl, 'EPL', 1);
  await env.sql(dbUrl, `update patrons set pin_hash = (select pin_hash from patrons where card_number = 'PL-000001') where card_number = 'EPL-000001'`);
  api = await env.server({ dbUrl, env: { SCHEDULER_INTERVAL_MS: '0', SHELFNET_DATA_DIR: dataDir } });
  [tok.pl, tok.plAdmin, tok.ts, tok.admin] = await Promise.all([
    api.login('librarian.bdi-pl'),
    api.login('admin.bdi-pl'),
    api.login('librarian.bdi-ts'),
    api.login('admin'),
  ]);
  const patronToken = async (card: string) => {
    const r = data(await api.gql(EResLoginPatronDocument, { card, pin: '1234' })).loginPatron;
    if (r.__typename !== 'PatronAuthPayload') throw new Error(`loginPatron ${card}: ${JSON.stringify(r)}`);
    return r.token;
  };
  [patrons.pl, patrons.ts, patrons.pl2] = await Promise.all([patronToken('PL-000001'), patronToken('TS-000001'), patronToken('EPL-000001')]);
});
afterAll(async () => {
  await env.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// helpers

async function upload(token: string, bytes: Uint8Array, filename: string, type: string): Promise<string> {
  const res = await uploadFile(api, token, bytes, filename, type);
  expect(res.status).toBe(201);
  return res.body.id!;
}

async function create(token: string, input: CreateEResourceInput) {
  const r = data(await api.gql(EResCreateDocument, { input }, { token })).createEResource;
  if (r.__typename !== 'EResource') throw new Error(`createEResource: ${JSON.stringify(r)}`);
  return r;
}

async function publish(id: string, token = tok.pl) {
  const r = data(await api.gql(EResPublishDocument, { id }, { token })).publishEResource;
  if (r.__typename !== 'EResource') throw new Error(`publishEResource: ${JSON.stringify(r)}`);
  return r;
}

/** A published PUBLIC text e-resource of BDI-PL with one file. */
async function publishedText(title: string, text: string, extra: Partial<CreateEResourceInput> = {}) {
  const fileId = await upload(tok.pl, Buffer.from(text), `${title.slice(0, 20)}.txt`, 'text/plain');
  const r = await create(tok.pl, { kind: 'DIGITISED', description: { title, language: 'vie' }, fileIds: [fileId], ...extra });
  return publish(r.id);
}

async function waitForText(id: string, token: string | null = tok.pl) {
  return eventually(async () => {
    const r = data(await api.gql(EResGetDocument, { id }, { token })).eResource;
    return r && r.files.every((f) => f.textExtraction !== 'PENDING' && f.textExtraction !== 'WORKING') ? r : undefined;
  });
}

const rows = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => env.sql<T>(dbUrl, sql, params);
const localIdOf = (gid: string) => Number(Buffer.from(gid, 'base64url').toString('utf8').split(':')[1]);

// ---------------------------------------------------------------------------------------------

describe('staff workflow: draft, publish, catalog, withdraw', () => {
  test('a digitised PDF is a draft only its library sees, then published into the union catalog as online', async () => {
    const pdf = await makePdf(
      ['Địa chí Bình Định: lịch sử thành Hoàng Đế và vương triều Tây Sơn.', 'Trang hai nói về nghề dệt chiếu ở Tuy Phước và làng gốm Vân Sơn.'],
      'Địa chí Bình Định',
    );
    const fileId = await upload(tok.pl, pdf, 'dia-chi-binh-dinh.pdf', 'application/pdf');
    const draft = await create(tok.pl, {
      kind: 'DIGITISED',
      description: { title: 'Địa chí Bình Định', creators: ['Nhiều tác giả'], subjects: ['Lịch sử', 'Bình Định'], date: '2006', language: 'vie' },
      fileIds: [fileId],
    });
    expect(draft).toMatchObject({ status: 'DRAFT', kind: 'DIGITISED', format: 'application/pdf', type: 'Text', library: { code: 'BDI-PL' }, record: null });
    expect(draft.allowedActions).toEqual(['UPDATE', 'PUBLISH']);
    expect(draft.files).toEqual([expect.objectContaining({ filename: 'dia-chi-binh-dinh.pdf', contentType: 'application/pdf', size: pdf.length })]);

    // drafts are invisible to readers and to staff of other libraries
    expect(data(await api.gql(EResGetDocument, { id: draft.id })).eResource).toBeNull();
    expect(data(await api.gql(EResGetDocument, { id: draft.id }, { token: tok.ts })).eResource).toBeNull();
    const ts = data(await api.gql(EResPublishDocument, { id: draft.id }, { token: tok.ts })).publishEResource;
    expect(ts.__typename).toBe('EResourceNotFoundError');

    const pub = await publish(draft.id);
    expect(pub.status).toBe('PUBLISHED');
    expect(pub.allowedActions).toEqual(['UPDATE', 'WITHDRAW']);
    // no record was linked: one is made from the description, and the library holds it online
    expect(pub.record).toMatchObject({ title: 'Địa chí Bình Định', format: 'DIGITAL', holdings: [{ library: { code: 'BDI-PL' }, totalCount: 0, onlineCount: 1 }] });

    const anon = data(await api.gql(EResGetDocument, { id: pub.id })).eResource;
    expect(anon?.title).toBe('Địa chí Bình Định');
    // the catalog finds it with the books, and its access facet tells online items from copies
    const cat = data(await api.gql(EResCatalogDocument, { query: 'dia chi binh dinh' })).searchCatalog;
    const hit = cat.edges.find((e) => e.node.id === pub.record!.id);
    expect(hit?.node.eResources).toEqual([{ id: pub.id, title: 'Địa chí Bình Định' }]);
    expect(cat.facets.access).toEqual(expect.arrayContaining([{ access: 'ONLINE', count: expect.any(Number) }]));
    const online = data(await api.gql(EResCatalogDocument, { query: 'dia chi binh dinh', filter: { access: ['ONLINE'] } })).searchCatalog;
    expect(online.edges.map((e) => e.node.id)).toContain(pub.record!.id);
    expect(online.edges.every((e) => e.node.eResources.length > 0)).toBe(true);
    const physical = data(await api.gql(EResCatalogDocument, { query: 'dia chi binh dinh', filter: { access: ['PHYSICAL'] } })).searchCatalog;
    expect(physical.edges.map((e) => e.node.id)).not.toContain(pub.record!.id);

    // every step is audited and evented
    const audits = await rows<{ action: string }>(`select action from audit_log where entity = 'EResource' and entity_id = $1 order by id`, [localIdOf(pub.id)]);
    expect(audits.map((a) => a.action)).toEqual(['eresource.create', 'eresource.publish']);
    const events = await rows<{ type: string }>(`select type from events where entity = 'EResource' and entity_id = $1 order by seq`, [localIdOf(pub.id)]);
    expect(events.map((e) => e.type)).toEqual(['eresource.created', 'eresource.published']);
  });

  test('linking to an existing record shows the record as online next to its copies; withdrawal takes it away', async () => {
    const rec = data(await api.gql(EResCreateRecordDocument, { input: { title: 'Thơ Đào Tấn', contributors: [{ name: 'Đào Tấn' }], year: 1900 } }, { token: tok.pl })).createRecord;
    if (rec.__typename !== 'BibliographicRecord') throw new Error(JSON.stringify(rec));
    const r = await publishedText('Thơ Đào Tấn (bản số)', 'Tuồng và thơ của Đào Tấn, người Tuy Phước.', { recordId: rec.id });
    expect(r.record?.id).toBe(rec.id);
    expect(r.record?.holdings).toEqual([{ library: { code: 'BDI-PL' }, totalCount: 0, onlineCount: 1 }]);

    const w = data(await api.gql(EResWithdrawDocument, { id: r.id, reason: 'Bản quét lỗi' }, { token: tok.pl })).withdrawEResource;
    expect(w).toMatchObject({ __typename: 'EResource', status: 'WITHDRAWN', allowedActions: ['UPDATE', 'PUBLISH'] });
    const after = data(await api.gql(EResCatalogDocument, { query: 'tho dao tan' })).searchCatalog.edges.find((e) => e.node.id === rec.id);
    expect(after?.node.eResources).toEqual([]);
    expect(after?.node.holdings).toEqual([]);
    // readers no longer see it; withdrawing twice is not a step the workflow has
    expect(data(await api.gql(EResGetDocument, { id: r.id })).eResource).toBeNull();
    const again = data(await api.gql(EResWithdrawDocument, { id: r.id }, { token: tok.pl })).withdrawEResource;
    expect(again).toMatchObject({ __typename: 'IllegalEResourceTransitionError', errorCode: 'ILLEGAL_ERESOURCE_TRANSITION' });
  });

  test('publishing needs a file or a URL, and a licensed resource needs its licence', async () => {
    const empty = await create(tok.pl, { kind: 'DIGITISED', description: { title: 'Chưa có tệp' } });
    const p = data(await api.gql(EResPublishDocument, { id: empty.id }, { token: tok.pl })).publishEResource;
    expect(p).toMatchObject({ __typename: 'InvalidEResourceError', errorCode: 'INVALID_ERESOURCE', field: 'fileIds' });
    const lic = await create(tok.pl, { kind: 'LICENSED', description: { title: 'Cơ sở dữ liệu' }, externalUrl: 'https://example.org/db' });
    const q = data(await api.gql(EResPublishDocument, { id: lic.id }, { token: tok.pl })).publishEResource;
    expect(q).toMatchObject({ __typename: 'InvalidEResourceError', field: 'licence' });
    const bad = await api.gql(EResCreateDocument, { input: { kind: 'DIGITISED', description: { title: 'x', date: '2024-13' } } }, { token: tok.pl });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.description.date' });
    const url = await api.gql(EResCreateDocument, { input: { kind: 'DIGITISED', description: { title: 'x' }, externalUrl: 'javascript:alert(1)' } }, { token: tok.pl });
    expect(url.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.externalUrl' });
    // readers and anonymous clients create nothing (anonymous: sign in first)
    const anon = await api.gql(EResCreateDocument, { input: { kind: 'DIGITISED', description: { title: 'x' } } });
    expect(anon.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const patron = await api.gql(EResCreateDocument, { input: { kind: 'DIGITISED', description: { title: 'x' } } }, { token: patrons.pl });
    expect(patron.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('full text', () => {
  test('text of PDF pages, EPUB chapters and text files is searched with Vietnamese folding; hits inside say where', async () => {
    const pdf = await makePdf(['Trang một: giới thiệu chung.', 'Trang hai: kỹ thuật bón phân hữu cơ cho cây điều ở Hoài Ân.'], 'Cây điều');
    const pdfRes = await create(tok.pl, { kind: 'DIGITISED', description: { title: 'Sổ tay nhà nông' }, fileIds: [await upload(tok.pl, pdf, 'so-tay.pdf', 'application/pdf')] });
    await publish(pdfRes.id);
    const epub = await makeEpub('Truyện Kiều', [
      { title: 'Hồi một', paragraphs: ['Trăm năm trong cõi người ta,', 'Chữ tài chữ mệnh khéo là ghét nhau.'] },
      { title: 'Hồi hai', paragraphs: ['Đầu lòng hai ả tố nga,', 'Thúy Kiều là chị, em là Thúy Vân.'] },
    ]);
    const epubRes = await create(tok.pl, {
      kind: 'DIGITISED',
      description: { title: 'Đoạn trường tân thanh', creators: ['Nguyễn Du'] },
      fileIds: [await upload(tok.pl, epub, 'kieu.epub', 'application/epub+zip')],
    });
    await publish(epubRes.id);
    const done = await waitForText(pdfRes.id);
    expect(done.files[0].textExtraction).toBe('DONE');
    expect((await waitForText(epubRes.id)).files[0].textExtraction).toBe('DONE');

    const inPdf = data(await api.gql(EResSearchDocument, { query: 'bon phan huu co' })).searchEResources;
    const pdfHit = inPdf.edges.find((e) => e.node.id === pdfRes.id);
    expect(pdfHit).toMatchObject({ matchedIn: 'FULL_TEXT', snippet: { page: 2 } });
    const snip = pdfHit!.snippet!;
    expect(snip.text).toContain('bón phân hữu cơ');
    // the highlights point at the query words as written (with their diacritics)
    expect(snip.highlights.map((h) => snip.text.slice(h.start, h.start + h.length))).toEqual(['bón', 'phân', 'hữu', 'cơ']);

    const inEpub = data(await api.gql(EResSearchDocument, { query: 'thuy van' })).searchEResources;
    expect(inEpub.edges.find((e) => e.node.id === epubRes.id)).toMatchObject({ matchedIn: 'FULL_TEXT', snippet: { page: 2 } });
    // a description match ranks before a hit inside a document, and has no snippet
    const byTitle = data(await api.gql(EResSearchDocument, { query: 'doan truong tan thanh' })).searchEResources;
    expect(byTitle.edges[0]).toMatchObject({ matchedIn: 'METADATA', snippet: null, node: { id: epubRes.id } });
    // the catalog's typo widening works here too ("nguyen duu")
    const typo = data(await api.gql(EResSearchDocument, { query: 'nguyen duu' })).searchEResources;
    expect(typo.edges.map((e) => e.node.id)).toContain(epubRes.id);
  });

  test('pages walk every hit once; browsing without a query lists by title; bad cursors are refused', async () => {
    for (let i = 0; i < 5; i++) await publishedText(`Tập san Quy Nhơn số ${i + 1}`, `Tin tức vùng biển Quy Nhơn, số ${i + 1}.`);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor?: string | null } } = data(
        await api.gql(EResSearchDocument, { query: 'quy nhon', first: 2, after }),
      ).searchEResources;
      seen.push(...res.edges.map((e) => e.node.id));
      if (!res.pageInfo.hasNextPage) break;
      after = res.pageInfo.endCursor ?? null;
    }
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(new Set(seen).size).toBe(seen.length);
    const browse = data(await api.gql(EResSearchDocument, { first: 100 })).searchEResources;
    const titles = browse.edges.map((e) => e.node.title);
    expect(browse.edges.every((e) => e.score === null && e.matchedIn === null)).toBe(true);
    expect(titles.filter((t) => t.startsWith('Tập san'))).toEqual([1, 2, 3, 4, 5].map((n) => `Tập san Quy Nhơn số ${n}`));
    const bad = await api.gql(EResSearchDocument, { query: 'quy nhon', after: 'bm90LWEtY3Vyc29y' });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const big = await api.gql(EResSearchDocument, { query: 'x', first: 101 });
    expect(big.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
  test('broad queries list description hits newest first, then in-text hits, and still walk every hit once', async () => {
    const meta: string[] = [];
    const inText: string[] = [];
    for (let i = 0; i < 5; i++) meta.push((await publishedText(`Bản tin nông thôn mới số ${i}`, `Tin làng xã, số ${i}.`)).id);
    for (let i = 0; i < 4; i++) inText.push((await publishedText(`Chuyện làng quê ${i}`, `Đời sống nông thôn mới ở xã thứ ${i}.`)).id);
    await rows('analyze e_resources');
    await rows('analyze e_text_parts');
    // ranking stops at 2 matches here: this query is "broad"
    const broad = await env.server({ dbUrl, env: { SCHEDULER_INTERVAL_MS: '0', SHELFNET_DATA_DIR: dataDir, SEARCH_NARROW_CAP: '2' } });
    const seen: { id: string; matchedIn: string | null; score: number | null }[] = [];
    let after: string | null = null;
    let exact: boolean | null = null;
    for (let page = 0; page < 10; page++) {
      const res: { totalCountExact: boolean; edges: { matchedIn?: string | null; score?: number | null; node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor?: string | null } } = data(
        await broad.gql(EResSearchDocument, { query: 'nong thon moi', first: 3, after }),
      ).searchEResources;
      exact ??= res.totalCountExact;
      seen.push(...res.edges.map((e) => ({ id: e.node.id, matchedIn: e.matchedIn ?? null, score: e.score ?? null })));
      if (!res.pageInfo.hasNextPage) break;
      after = res.pageInfo.endCursor ?? null;
    }
    expect(exact).toBe(false);
    expect(seen.map((h) => h.id)).toEqual([...[...meta].reverse(), ...[...inText].reverse()]);
    expect(seen.map((h) => h.matchedIn)).toEqual([...meta.map(() => 'METADATA'), ...inText.map(() => 'FULL_TEXT')]);
    expect(seen.every((h) => h.score === null)).toBe(true);
    await broad.stop();
  });
});

describe('access policies', () => {
  test('PUBLIC, NETWORK_PATRONS, HOME_PATRONS, STAFF_ONLY and ON_SITE decide who opens; refusals are No_License', async () => {
    const pub = await publishedText('Công báo tỉnh', 'Nội dung công báo.');
    const open = async (id: string, token: string | null) => data(await api.gql(EResOpenDocument, { id }, { token })).openEResource;
    expect((await open(pub.id, null)).__typename).toBe('EResourceAccess');

    const upd = async (id: string, accessPolicy: 'NETWORK_PATRONS' | 'HOME_PATRONS' | 'STAFF_ONLY' | 'ON_SITE') =>
      data(await api.gql(EResUpdateDocument, { input: { id, accessPolicy } }, { token: tok.pl })).updateEResource;
    expect(await upd(pub.id, 'NETWORK_PATRONS')).toMatchObject({ accessPolicy: 'NETWORK_PATRONS' });
    expect(await open(pub.id, null)).toMatchObject({ __typename: 'NoLicenseError', errorCode: 'NO_LICENSE', accessPolicy: 'NETWORK_PATRONS' });
    expect((await open(pub.id, patrons.ts)).__typename).toBe('EResourceAccess');

    await upd(pub.id, 'HOME_PATRONS');
    expect((await open(pub.id, patrons.ts)).__typename).toBe('NoLicenseError');
    expect((await open(pub.id, patrons.pl)).__typename).toBe('EResourceAccess');
    expect((await open(pub.id, tok.ts)).__typename).toBe('EResourceAccess');

    await upd(pub.id, 'STAFF_ONLY');
    // staff-only resources are hidden from readers altogether
    expect(data(await api.gql(EResGetDocument, { id: pub.id }, { token: patrons.pl })).eResource).toBeNull();
    expect((await open(pub.id, patrons.pl)).__typename).toBe('EResourceNotFoundError');
    expect((await open(pub.id, tok.ts)).__typename).toBe('EResourceAccess');

    // ON_SITE: the tests' requests come from 127.0.0.1
    await upd(pub.id, 'ON_SITE');
    const ranges = data(await api.gql(EResSetIpRangesDocument, { code: 'BDI-PL', ranges: ['10.20.0.0/16'] }, { token: tok.plAdmin })).setLibraryIpRanges;
    expect(ranges).toEqual({ __typename: 'Library', code: 'BDI-PL', ipRanges: ['10.20.0.0/16'] });
    expect((await open(pub.id, null)).__typename).toBe('NoLicenseError');
    data(await api.gql(EResSetIpRangesDocument, { code: 'BDI-PL', ranges: ['10.20.0.0/16', '127.0.0.0/8'] }, { token: tok.plAdmin }));
    expect((await open(pub.id, null)).__typename).toBe('EResourceAccess');
    // only admins of the library (or the network) set its ranges; hosts bits and garbage are bad input
    expect(data(await api.gql(EResSetIpRangesDocument, { code: 'BDI-PL', ranges: [] }, { token: tok.pl })).setLibraryIpRanges.__typename).toBe('NotPermittedError');
    const bad = await api.gql(EResSetIpRangesDocument, { code: 'BDI-PL', ranges: ['10.0.0.1/8'] }, { token: tok.plAdmin });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ranges' });
    const junk = await api.gql(EResSetIpRangesDocument, { code: 'BDI-PL', ranges: ["1.2.3.4'; drop table x"] }, { token: tok.plAdmin });
    expect(junk.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });

    const denials = await rows<{ n: string }>(`select count(*) n from e_usage where e_resource_id = $1 and action = 'NO_LICENSE'`, [localIdOf(pub.id)]);
    expect(Number(denials[0].n)).toBe(3);
  });

  test('a licence outside its period, or on-site only, refuses readers', async () => {
    const r = await create(tok.pl, {
      kind: 'LICENSED',
      description: { title: 'Tạp chí khoa học (bản quyền)' },
      externalUrl: 'https://provider.example/journal',
      licence: { provider: 'NXB Khoa học', startsOn: '2020-01-01', endsOn: '2021-12-31' },
    });
    await publish(r.id);
    const o = data(await api.gql(EResOpenDocument, { id: r.id })).openEResource;
    expect(o).toMatchObject({ __typename: 'NoLicenseError', message: expect.stringContaining('licence') });
    const renewed = data(
      await api.gql(EResUpdateDocument, { input: { id: r.id, licence: { provider: 'NXB Khoa học', startsOn: '2020-01-01', endsOn: '2099-12-31' } } }, { token: tok.pl }),
    ).updateEResource;
    expect(renewed).toMatchObject({ licence: { endsOn: '2099-12-31', concurrentUsers: null } });
    // an external URL is handed out as it is
    expect(data(await api.gql(EResOpenDocument, { id: r.id })).openEResource).toMatchObject({ url: 'https://provider.example/journal', expiresAt: null });
    const bad = await api.gql(EResUpdateDocument, { input: { id: r.id, licence: { provider: 'x', startsOn: '2021-01-01', endsOn: '2020-01-01' } } }, { token: tok.pl });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.licence.endsOn' });
  });
});

describe('licensed e-books lend within their concurrent-user limit', () => {
  test('one licence: the second reader gets LIMIT_EXCEEDED until the first returns; expiry ends access', async () => {
    const fileId = await upload(tok.pl, Buffer.from('Nội dung sách điện tử có bản quyền.'), 'sach.txt', 'text/plain');
    const r = await create(tok.pl, {
      kind: 'LICENSED',
      description: { title: 'Sách điện tử: Lịch sử Tây Sơn' },
      fileIds: [fileId],
      licence: { provider: 'NXB Tổng hợp', concurrentUsers: 1 },
      loanDays: 7,
    });
    const pub = await publish(r.id);
    expect(pub).toMatchObject({ lendable: true, availableLicences: 1 });

    // opening needs a loan; staff do not borrow
    expect(data(await api.gql(EResOpenDocument, { id: r.id }, { token: patrons.pl })).openEResource.__typename).toBe('DigitalLoanRequiredError');
    const staffBorrow = await api.gql(EResBorrowDocument, { id: r.id }, { token: tok.pl });
    expect(staffBorrow.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const a = data(await api.gql(EResBorrowDocument, { id: r.id }, { token: patrons.pl })).borrowEResource;
    if (a.__typename !== 'DigitalLoan') throw new Error(JSON.stringify(a));
    expect(new Date(a.dueAt).getTime() - new Date(a.borrowedAt).getTime()).toBeCloseTo(7 * 86_400_000, -4);
    expect(a.active).toBe(true);
    expect(data(await api.gql(EResBorrowDocument, { id: r.id }, { token: patrons.pl })).borrowEResource.__typename).toBe('AlreadyBorrowedError');
    const b = data(await api.gql(EResBorrowDocument, { id: r.id }, { token: patrons.pl2 })).borrowEResource;
    expect(b).toMatchObject({ __typename: 'LimitExceededError', errorCode: 'LIMIT_EXCEEDED', concurrentUsers: 1, nextAvailableAt: a.dueAt });
    expect(data(await api.gql(EResGetDocument, { id: r.id })).eResource?.availableLicences).toBe(0);
    expect(data(await api.gql(EResOpenDocument, { id: r.id }, { token: patrons.pl })).openEResource.__typename).toBe('EResourceAccess');
    // my account lists the loan
    const me = data(await api.gql(EResMeDocument, {}, { token: patrons.pl })).me;
    expect(me?.digitalLoans.edges.map((e) => e.node.id)).toContain(a.id);

    // returning frees the licence for the next reader (by e-resource id)
    const ret = data(await api.gql(EResReturnDocument, { id: r.id }, { token: patrons.pl })).returnEResource;
    expect(ret).toMatchObject({ __typename: 'DigitalLoan', endedBy: 'RETURNED', active: false });
    expect(data(await api.gql(EResReturnDocument, { id: a.id }, { token: patrons.pl })).returnEResource.__typename).toBe('DigitalLoanNotFoundError');
    const b2 = data(await api.gql(EResBorrowDocument, { id: r.id }, { token: patrons.pl2 })).borrowEResource;
    if (b2.__typename !== 'DigitalLoan') throw new Error(JSON.stringify(b2));
    // another reader cannot return it
    expect(data(await api.gql(EResReturnDocument, { id: b2.id }, { token: patrons.pl })).returnEResource.__typename).toBe('DigitalLoanNotFoundError');

    // the loan period passes: access ends at once, and the licence is free again
    await rows(`update e_loans set borrowed_at = now() - interval '8 days', due_at = now() - interval '1 second' where id = $1`, [localIdOf(b2.id)]);
    expect(data(await api.gql(EResOpenDocument, { id: r.id }, { token: patrons.pl2 })).openEResource.__typename).toBe('DigitalLoanRequiredError');
    const c = data(await api.gql(EResBorrowDocument, { id: r.id }, { token: patrons.pl })).borrowEResource;
    expect(c.__typename).toBe('DigitalLoan');
    const ended = await rows<{ ended_by: string }>(`select ended_by from e_loans where id = $1`, [localIdOf(b2.id)]);
    expect(ended[0].ended_by).toBe('EXPIRED');

    const usage = await rows<{ action: string; n: string }>(`select action, count(*) n from e_usage where e_resource_id = $1 group by action`, [localIdOf(r.id)]);
    expect(Object.fromEntries(usage.map((u) => [u.action, Number(u.n)]))).toMatchObject({ LIMIT_EXCEEDED: 1 });
    const events = await rows<{ type: string }>(`select type from events where entity = 'DigitalLoan' and payload->>'eResourceId' = $1 order by seq`, [String(localIdOf(r.id))]);
    expect(events.map((e) => e.type)).toEqual(['eresource.loan.created', 'eresource.loan.ended', 'eresource.loan.created', 'eresource.loan.created']);
  });

  test('concurrent borrows never exceed the licence', async () => {
    await env.addPatrons(dbUrl, 'ECC', 8);
    await rows(`update patrons set pin_hash = (select pin_hash from patrons where card_number = 'PL-000001') where card_number like 'ECC-%'`);
    const tokens = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const r = data(await api.gql(EResLoginPatronDocument, { card: `ECC-${String(i + 1).padStart(6, '0')}`, pin: '1234' })).loginPatron;
        if (r.__typename !== 'PatronAuthPayload') throw new Error(JSON.stringify(r));
        return r.token;
      }),
    );
    const r = await create(tok.pl, { kind: 'LICENSED', description: { title: 'Từ điển số' }, externalUrl: 'https://provider.example/dict', licence: { provider: 'X', concurrentUsers: 3 } });
    await publish(r.id);
    const results = await Promise.all(tokens.map((t) => api.gql(EResBorrowDocument, { id: r.id }, { token: t })));
    const kinds = results.map((x) => data(x).borrowEResource.__typename);
    expect(kinds.filter((k) => k === 'DigitalLoan')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'LimitExceededError')).toHaveLength(5);
    const open = await rows<{ n: string }>(`select count(*) n from e_loans where e_resource_id = $1 and returned_at is null`, [localIdOf(r.id)]);
    expect(Number(open[0].n)).toBe(3);
  });
});

describe('contributed documents: agencies, contributors, review', () => {
  test('a department submits, the provincial library rejects with a note, the contributor corrects and resubmits, it is approved', async () => {
    // only network admins or admins of the (provincial) library create agencies and their accounts
    const denied = data(await api.gql(EResCreateAgencyDocument, { input: { code: 'SNN-X', name: 'x', libraryCode: 'BDI-PL' } }, { token: tok.pl })).createAgency;
    expect(denied.__typename).toBe('NotPermittedError');
    const district = await api.gql(EResCreateAgencyDocument, { input: { code: 'SNN-X', name: 'x', libraryCode: 'BDI-TS' } }, { token: tok.admin });
    expect(district.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.libraryCode' });
    const agency = data(await api.gql(EResCreateAgencyDocument, { input: { code: 'stp-bdi', name: 'Sở Tư pháp Bình Định', libraryCode: 'BDI-PL' } }, { token: tok.plAdmin })).createAgency;
    expect(agency).toMatchObject({ __typename: 'Agency', code: 'STP-BDI', library: { code: 'BDI-PL' } });
    expect(data(await api.gql(EResCreateAgencyDocument, { input: { code: 'STP-BDI', name: 'again', libraryCode: 'BDI-PL' } }, { token: tok.admin })).createAgency.__typename).toBe(
      'DuplicateAgencyError',
    );
    const acc = data(
      await api.gql(EResCreateContributorDocument, { input: { agencyCode: 'STP-BDI', username: 'canbo.stp', password: 'mat-khau-rat-dai', displayName: 'Cán bộ Sở Tư pháp' } }, { token: tok.plAdmin }),
    ).createContributorAccount;
    expect(acc).toMatchObject({ __typename: 'StaffAccount', username: 'canbo.stp', role: 'CONTRIBUTOR' });
    expect(data(await api.gql(EResCreateContributorDocument, { input: { agencyCode: 'STP-BDI', username: 'canbo.stp', password: 'mat-khau-rat-dai' } }, { token: tok.admin })).createContributorAccount.__typename).toBe(
      'DuplicateUsernameError',
    );
    const ctb = await api.login('canbo.stp', 'mat-khau-rat-dai');
    expect(data(await api.gql(EResMeDocument, {}, { token: ctb })).me).toMatchObject({ kind: 'STAFF', account: { role: 'CONTRIBUTOR' }, agency: { code: 'STP-BDI' } });
    // a contributor is not library staff: no cataloguing, no staff-only fields
    expect(data(await api.gql(EResCreateRecordDocument, { input: { title: 'x' } }, { token: ctb })).createRecord.__typename).toBe('NotPermittedError');

    const pdf = await makePdf(['Luật Hôn nhân và gia đình: hỏi đáp cho người dân.'], 'Hỏi đáp pháp luật');
    const fileId = await upload(ctb, pdf, 'hoi-dap.pdf', 'application/pdf');
    const sub = await create(ctb, { kind: 'CONTRIBUTED', description: { title: 'Hỏi đáp pháp luật hôn nhân', publisher: 'Sở Tư pháp' }, fileIds: [fileId] });
    expect(sub).toMatchObject({ status: 'SUBMITTED', kind: 'CONTRIBUTED', agency: { code: 'STP-BDI' }, library: { code: 'BDI-PL' }, allowedActions: ['UPDATE'] });
    const staffOnly = data(await api.gql(EResCreateDocument, { input: { kind: 'CONTRIBUTED', description: { title: 'x' }, accessPolicy: 'STAFF_ONLY' } }, { token: ctb })).createEResource;
    expect(staffOnly.__typename).toBe('NotPermittedError');

    // staff of a district library do not review the provincial library's intake
    expect(data(await api.gql(EResReviewDocument, { id: sub.id, decision: 'APPROVE' }, { token: tok.ts })).reviewEResource.__typename).toBe('EResourceNotFoundError');
    // a contributor cannot review their own submission
    expect(data(await api.gql(EResReviewDocument, { id: sub.id, decision: 'APPROVE' }, { token: ctb })).reviewEResource.__typename).toBe('NotPermittedError');
    const noNote = await api.gql(EResReviewDocument, { id: sub.id, decision: 'REJECT' }, { token: tok.pl });
    expect(noNote.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'note' });
    const rej = data(await api.gql(EResReviewDocument, { id: sub.id, decision: 'REJECT', note: 'Thiếu năm ban hành.' }, { token: tok.pl })).reviewEResource;
    expect(rej).toMatchObject({ __typename: 'EResource', status: 'REJECTED' });

    // the contributor sees the decision and note, corrects, resubmits
    const mine = data(await api.gql(EResSubmissionsDocument, {}, { token: ctb })).myEResourceSubmissions.edges.map((e) => e.node);
    expect(mine.find((n) => n.id === sub.id)).toMatchObject({ status: 'REJECTED', review: { decision: 'REJECT', note: 'Thiếu năm ban hành.' }, allowedActions: ['UPDATE', 'SUBMIT'] });
    // readers see nothing of it, not even the review
    expect(data(await api.gql(EResGetDocument, { id: sub.id })).eResource).toBeNull();
    const fixed = data(await api.gql(EResUpdateDocument, { input: { id: sub.id, description: { date: '2014' } } }, { token: ctb })).updateEResource;
    expect(fixed).toMatchObject({ __typename: 'EResource', date: '2014' });
    expect(data(await api.gql(EResSubmitDocument, { id: sub.id }, { token: ctb })).submitEResource).toMatchObject({ status: 'SUBMITTED' });
    const queue = data(await api.gql(EResSearchDocument, { filter: { statuses: ['SUBMITTED'] } }, { token: tok.pl })).searchEResources;
    expect(queue.edges.map((e) => e.node.id)).toContain(sub.id);

    const ok = data(await api.gql(EResReviewDocument, { id: sub.id, decision: 'APPROVE', note: 'Đã duyệt.', policy: 'NETWORK_PATRONS' }, { token: tok.pl })).reviewEResource;
    expect(ok).toMatchObject({ __typename: 'EResource', status: 'PUBLISHED', accessPolicy: 'NETWORK_PATRONS', record: { format: 'DIGITAL' } });
    expect(data(await api.gql(EResSubmissionsDocument, { statuses: ['PUBLISHED'] }, { token: ctb })).myEResourceSubmissions.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({ id: sub.id, status: 'PUBLISHED', review: { decision: 'APPROVE', note: 'Đã duyệt.' } }),
    ]);
    // the contributor no longer edits a published document
    const late = data(await api.gql(EResUpdateDocument, { input: { id: sub.id, description: { title: 'Đổi tên' } } }, { token: ctb })).updateEResource;
    expect(late).toMatchObject({ __typename: 'IllegalEResourceTransitionError', status: 'PUBLISHED', allowedActions: [] });

    const id = localIdOf(sub.id);
    const events = await rows<{ type: string }>(`select type from events where entity = 'EResource' and entity_id = $1 order by seq`, [id]);
    expect(events.map((e) => e.type)).toEqual(['eresource.submitted', 'eresource.rejected', 'eresource.updated', 'eresource.submitted', 'eresource.approved']);
    const audits = await rows<{ action: string; actor_account_id: string }>(`select action, actor_account_id from audit_log where entity = 'EResource' and entity_id = $1 order by id`, [id]);
    expect(audits.map((a) => a.action)).toEqual(['eresource.create', 'eresource.review', 'eresource.update', 'eresource.submit', 'eresource.review']);
    expect(new Set(audits.map((a) => a.actor_account_id)).size).toBe(2);
  });
});

describe('usage statistics', () => {
  test('views, opens and denials are counted per month with COUNTER metrics, with no personal data', async () => {
    const r = await publishedText('Thống kê lượt xem', 'Nội dung.');
    const id = r.id;
    await api.gql(EResGetDocument, { id });
    await api.gql(EResGetDocument, { id }); // the same session within 30 s: one investigation (double-click rule)
    await api.gql(EResGetDocument, { id }, { token: patrons.pl });
    await api.gql(EResNodeDocument, { id }, { token: patrons.ts });
    await api.gql(EResOpenDocument, { id }, { token: patrons.pl });
    await api.gql(EResOpenDocument, { id }, { token: patrons.ts });
    data(await api.gql(EResUpdateDocument, { input: { id, accessPolicy: 'HOME_PATRONS' } }, { token: tok.pl }));
    await api.gql(EResOpenDocument, { id }, { token: patrons.ts }); // denied

    const month = new Date().toISOString().slice(0, 7);
    const rep = data(await api.gql(EResUsageDocument, { from: month, to: month, resourceId: id }, { token: tok.pl })).eResourceUsage;
    expect(rep.edges).toHaveLength(1);
    const metrics = Object.fromEntries(rep.edges[0].node.metrics.map((m) => [m.metric, m.count]));
    expect(rep.edges[0].node.month).toBe(month);
    expect(metrics).toEqual({
      Total_Item_Investigations: 5,
      Unique_Item_Investigations: 3,
      Total_Item_Requests: 2,
      Unique_Item_Requests: 2,
      No_License: 1,
      Limit_Exceeded: 0,
    });
    // staff of another library do not read it; anonymous clients are told to sign in
    expect((await api.gql(EResUsageDocument, { from: month, to: month, libraryCode: 'BDI-PL' }, { token: tok.ts })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await api.gql(EResUsageDocument, { from: month, to: month })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await api.gql(EResUsageDocument, { from: '2026-13', to: month }, { token: tok.pl })).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
    // the log holds a daily session hash only: no patron id, account id or address
    const log = await rows<Record<string, unknown>>(`select * from e_usage where e_resource_id = $1`, [localIdOf(id)]);
    expect(Object.keys(log[0]).sort()).toEqual(['action', 'at', 'e_resource_id', 'id', 'library_id', 'session_key']);
    expect(log.every((l) => /^[A-Za-z0-9_-]{22}$/.test(String(l.session_key)))).toBe(true);

    // npm run report:usage writes the same as a COUNTER 5.1 Item Report
    const out = path.join(dataDir, 'ir.tsv');
    const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'report-usage.js'), '--from', month, '--to', month, '--library', 'BDI-PL', '--out', out], {
      env: { PATH: process.env.PATH, DATABASE_URL: dbUrl, NODE_ENV: 'test' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    const lines = fs.readFileSync(out, 'utf8').split('\n');
    expect(lines.slice(0, 13).map((l) => l.split('\t')[0])).toEqual([
      'Report_Name', 'Report_ID', 'Release', 'Institution_Name', 'Institution_ID', 'Metric_Types', 'Report_Filters',
      'Report_Attributes', 'Exceptions', 'Reporting_Period', 'Created', 'Created_By', 'Registry_Record',
    ]);
    expect(lines.slice(0, 3)).toEqual(['Report_Name\tItem Report', 'Report_ID\tIR', 'Release\t5.1']);
    expect(lines[3]).toBe('Institution_Name\tThư viện tỉnh Bình Định');
    expect(lines[13]).toBe('');
    const cols = lines[14].split('\t');
    expect(cols.slice(0, 4)).toEqual(['Item', 'Publisher', 'Publisher_ID', 'Platform']);
    const monthCol = `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(month.slice(5)) - 1]}-${month.slice(0, 4)}`;
    expect(cols.slice(-3)).toEqual(['Metric_Type', 'Reporting_Period_Total', monthCol]);
    const mine = lines.slice(15).filter((l) => l.startsWith('Thống kê lượt xem\t')).map((l) => l.split('\t'));
    const byMetric = Object.fromEntries(mine.map((c) => [c[cols.indexOf('Metric_Type')], Number(c[cols.indexOf('Reporting_Period_Total')])]));
    expect(byMetric).toEqual({ Total_Item_Investigations: 5, Unique_Item_Investigations: 3, Total_Item_Requests: 2, Unique_Item_Requests: 2, No_License: 1 });
    expect(mine.every((c) => c[cols.indexOf('Proprietary_ID')] === `Shelfnet:eresource:${localIdOf(id)}` && c[cols.length - 1] === c[cols.indexOf('Reporting_Period_Total')])).toBe(true);
  });
});
