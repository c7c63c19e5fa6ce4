import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { PNG_1PX, makeEpub, makePdf, makeZipBombEpub } from '../src/demo/eresource-samples';
import { EResCreateDocument, EResGetDocument, EResLoginPatronDocument, EResNodeDocument, EResOpenDocument, EResPublishDocument, EResUpdateDocument } from './__generated__/operations';
import { TestEnv, TestServer, data, eventually, uploadFile } from './support/harness';

/*
 * Files of the digital library through the HTTP endpoints a reader app and a staff tool use:
 * POST /files (streamed, hashed, sniffed, deduplicated), GET /files/:id behind short-lived signed
 * links with HTTP Range, and every kind of bad upload: too large, cut off, mislabelled, zip bombs,
 * path tricks, no token. A refused upload leaves no row and no file.
 */

const env = new TestEnv();
let api: TestServer;
let dbUrl: string;
let dataDir: string;
const LIMIT = 3 * 1024 * 1024;
const TTL = 3;
let staff: string;

beforeAll(async () => {
  dbUrl = await env.database('demo');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sn-files-'));
  api = await env.server({
    dbUrl,
    env: { SCHEDULER_INTERVAL_MS: '500', SHELFNET_DATA_DIR: dataDir, ERESOURCE_MAX_UPLOAD_BYTES: String(LIMIT), ERESOURCE_LINK_TTL_SECONDS: String(TTL) },
  });
  staff = await api.login('librarian.bdi-pl');
});
afterAll(async () => {
  await env.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const rows = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => env.sql<T>(dbUrl, sql, params);
const base = () => `http://127.0.0.1:${api.port}`;

/** Every file under the data folder's files/ (blobs and temporary uploads). */
function storedFiles(): string[] {
  const root = path.join(dataDir, 'files');
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

async function counts() {
  const [r] = await rows<{ files: string; blobs: string }>(`select (select count(*) from e_files) files, (select count(*) from e_blobs) blobs`);
  return { files: Number(r.files), blobs: Number(r.blobs), disk: storedFiles() };
}

/** Asserts a refused upload: status, code, and nothing left in the database or on disk. */
async function refused(attempt: () => Promise<{ status: number; body: { errors?: { extensions: { code: string } }[] } }>, status: number, code: string) {
  const before = await counts();
  const res = await attempt();
  expect(res.status).toBe(status);
  expect(res.body.errors?.[0].extensions.code).toBe(code);
  // the temporary file goes right after the answer
  await eventually(async () => (JSON.stringify(await counts()) === JSON.stringify(before) ? true : undefined), 5000);
}

/** A client that stops sending half-way and drops the connection (no answer can reach it). */
function abortedUpload(token: string, total: number, sent: number): Promise<void> {
  const boundary = 'shelfnetboundary43';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\nContent-Type: text/plain\r\n\r\n`);
  return new Promise((resolve) => {
    const req = http.request(`${base()}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + total) },
    });
    req.on('error', () => resolve());
    req.write(Buffer.concat([head, Buffer.alloc(sent, 0x61)]), () => setTimeout(() => {
      req.destroy();
      resolve();
    }, 300));
  });
}

/** A raw multipart request, for bodies fetch() will not send (cut off, odd names). */
function rawUpload(token: string, parts: { head: string; body: Buffer }[], opts: { truncateAt?: number; boundary?: string } = {}): Promise<{ status: number; body: { errors?: { extensions: { code: string } }[] } }> {
  const boundary = opts.boundary ?? 'shelfnetboundary42';
  const chunks: Buffer[] = [];
  for (const p of parts) chunks.push(Buffer.from(`--${boundary}\r\n${p.head}\r\n\r\n`), p.body, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  let body = Buffer.concat(chunks);
  if (opts.truncateAt !== undefined) body = body.subarray(0, opts.truncateAt);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base()}/files`,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) } },
      (res) => {
        const got: Buffer[] = [];
        res.on('data', (c: Buffer) => got.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(got).toString('utf8') || '{}') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('uploads', () => {
  test('a file is stored once by its SHA-256, with its sniffed type; the same bytes again are a duplicate', async () => {
    const pdf = await makePdf(['Báo cáo tổng kết năm 2024 của ngành nông nghiệp.'], 'Báo cáo');
    const a = await uploadFile(api, staff, pdf, 'bao-cao.pdf', 'application/pdf');
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ contentType: 'application/pdf', size: pdf.length, filename: 'bao-cao.pdf', duplicate: false });
    expect(a.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    // the client may say octet-stream: the bytes decide
    const b = await uploadFile(api, staff, pdf, 'Báo cáo (bản 2).pdf', 'application/octet-stream');
    expect(b.status).toBe(201);
    expect(b.body).toMatchObject({ sha256: a.body.sha256, duplicate: true, filename: 'Báo cáo (bản 2).pdf' });
    expect(b.body.id).not.toBe(a.body.id);
    const onDisk = storedFiles().filter((f) => f.endsWith(a.body.sha256!));
    expect(onDisk).toEqual([`sha256/${a.body.sha256!.slice(0, 2)}/${a.body.sha256!.slice(2, 4)}/${a.body.sha256}`]);
    const blobs = await rows(`select * from e_blobs where sha256 = $1`, [a.body.sha256]);
    expect(blobs).toHaveLength(1);
    // an unattached upload is visible to its uploader only
    expect(data(await api.gql(EResNodeDocument, { id: a.body.id! }, { token: staff })).node).toMatchObject({ __typename: 'EResourceFile' });
    expect(data(await api.gql(EResNodeDocument, { id: a.body.id! })).node).toBeNull();
    // every allowed type passes
    expect((await uploadFile(api, staff, PNG_1PX, 'anh.png', 'image/png')).body.contentType).toBe('image/png');
    const epub = await makeEpub('Ca dao', [{ title: 'Một', paragraphs: ['Công cha như núi Thái Sơn'] }]);
    expect((await uploadFile(api, staff, epub, 'ca-dao.epub', 'application/epub+zip')).body.contentType).toBe('application/epub+zip');
    const audit = await rows<{ n: string }>(`select count(*) n from audit_log where action = 'eresource.file.upload'`);
    expect(Number(audit[0].n)).toBe(4);
  });

  test('files another uploader owns, or that another resource uses, cannot be attached', async () => {
    const mine = await uploadFile(api, staff, Buffer.from('Văn bản của thủ thư tỉnh.'), 'a.txt', 'text/plain');
    const ts = await api.login('librarian.bdi-ts');
    const r = data(await api.gql(EResCreateDocument, { input: { kind: 'DIGITISED', description: { title: 'Mượn tệp' }, fileIds: [mine.body.id!] } }, { token: ts })).createEResource;
    expect(r).toMatchObject({ __typename: 'FileNotFoundError', errorCode: 'FILE_NOT_FOUND', fileId: mine.body.id });
    const ok = data(await api.gql(EResCreateDocument, { input: { kind: 'DIGITISED', description: { title: 'Tệp của tôi' }, fileIds: [mine.body.id!] } }, { token: staff })).createEResource;
    expect(ok.__typename).toBe('EResource');
    const again = data(await api.gql(EResCreateDocument, { input: { kind: 'DIGITISED', description: { title: 'Lần hai' }, fileIds: [mine.body.id!] } }, { token: staff })).createEResource;
    expect(again.__typename).toBe('FileNotFoundError');
    const wrongType = await api.gql(EResCreateDocument, { input: { kind: 'DIGITISED', description: { title: 'x' }, fileIds: ['QmlibGlvZ3JhcGhpY1JlY29yZDox'] } }, { token: staff });
    expect(wrongType.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.fileIds' });
  });

  test('refused uploads leave nothing behind: too large, cut off, mislabelled, zip bombs, path tricks, no right', async () => {
    const pdf = await makePdf(['Một trang.'], 'x');
    // over the limit (3 MB here): refused while streaming
    await refused(() => uploadFile(api, staff, Buffer.alloc(LIMIT + 1024, 0x41), 'lon.txt', 'text/plain'), 413, 'FILE_TOO_LARGE');
    // bytes that are not what the type or the name claims
    await refused(() => uploadFile(api, staff, Buffer.from('chỉ là chữ'), 'gia.pdf', 'application/pdf'), 415, 'TYPE_MISMATCH');
    await refused(() => uploadFile(api, staff, pdf, 'that-ra-la-pdf.png', 'application/octet-stream'), 415, 'TYPE_MISMATCH');
    await refused(() => uploadFile(api, staff, PNG_1PX, 'anh.jpg', 'image/jpeg'), 415, 'TYPE_MISMATCH');
    // types that are not accepted at all (a zip that is not an EPUB, an executable, binary junk)
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('hello'), 'a.txt');
    const zipBytes: Buffer = await new Promise((resolve) => {
      const parts: Buffer[] = [];
      zip.outputStream.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve(Buffer.concat(parts)));
      zip.end();
    });
    await refused(() => uploadFile(api, staff, zipBytes, 'a.zip', 'application/zip'), 415, 'UNSUPPORTED_TYPE');
    await refused(() => uploadFile(api, staff, Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1'), 'x.exe', 'application/octet-stream'), 415, 'UNSUPPORTED_TYPE');
    await refused(() => uploadFile(api, staff, Buffer.from([0, 1, 2, 3, 0, 0, 0xfe, 0xff]), 'x.txt', 'text/plain'), 415, 'UNSUPPORTED_TYPE');
    // a PDF cut off before its end
    await refused(() => uploadFile(api, staff, pdf.subarray(0, pdf.length - 200), 'cut.pdf', 'application/pdf'), 422, 'TRUNCATED');
    // zip bombs and path tricks inside an EPUB
    await refused(async () => uploadFile(api, staff, await makeZipBombEpub(), 'bom.epub', 'application/epub+zip'), 422, 'BAD_ARCHIVE');
    // zip writers refuse such names, so write a placeholder of the same length and patch the bytes
    const sneaky = await makeEpub('x', [{ title: 'x', paragraphs: ['x'] }], (z) => z.addBuffer(Buffer.from('x'), 'OEBPS/QQ/QQ/QQ/etc/cron.d/x'));
    for (let at = sneaky.indexOf('QQ/QQ/QQ'); at !== -1; at = sneaky.indexOf('QQ/QQ/QQ')) sneaky.write('../../..', at, 'latin1');
    await refused(() => uploadFile(api, staff, sneaky, 'sneaky.epub', 'application/epub+zip'), 422, 'BAD_ARCHIVE');
    // path tricks in the file name
    for (const name of ['../../etc/passwd.txt', 'C:\\Windows\\x.txt', '..', '.htaccess']) {
      await refused(() => rawUpload(staff, [{ head: `Content-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/plain`, body: Buffer.from('abc') }]), 400, 'BAD_FILENAME');
    }
    // no file part, two files, a body cut off mid-way
    await refused(() => rawUpload(staff, [{ head: 'Content-Disposition: form-data; name="other"', body: Buffer.from('x') }]), 400, 'BAD_REQUEST');
    await refused(
      () =>
        rawUpload(staff, [
          { head: 'Content-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain', body: Buffer.from('a') },
          { head: 'Content-Disposition: form-data; name="file"; filename="b.txt"\r\nContent-Type: text/plain', body: Buffer.from('b') },
        ]),
      400,
      'BAD_REQUEST',
    );
    // a form whose end never comes (the body stops before the closing boundary)
    await refused(() => rawUpload(staff, [{ head: 'Content-Disposition: form-data; name="file"; filename="cut.txt"\r\nContent-Type: text/plain', body: Buffer.alloc(200_000, 0x61) }], { truncateAt: 100_000 }), 400, 'TRUNCATED');
    // a client that drops the connection mid-upload
    const before = await counts();
    await abortedUpload(staff, 2_000_000, 500_000);
    await eventually(async () => (JSON.stringify(await counts()) === JSON.stringify(before) ? true : undefined), 5000);
    expect((await counts()).disk.filter((f) => f.startsWith('tmp'))).toEqual([]);
    // no token, a bad token, a patron
    await refused(() => uploadFile(api, null, Buffer.from('x'), 'x.txt', 'text/plain'), 401, 'UNAUTHENTICATED');
    await refused(() => uploadFile(api, 'not.a.token', Buffer.from('x'), 'x.txt', 'text/plain'), 401, 'UNAUTHENTICATED');
    const p = data(await api.gql(EResLoginPatronDocument, { card: 'PL-000001', pin: '1234' })).loginPatron;
    if (p.__typename !== 'PatronAuthPayload') throw new Error('patron login');
    await refused(() => uploadFile(api, p.token, Buffer.from('x'), 'x.txt', 'text/plain'), 403, 'FORBIDDEN');
    // not multipart at all
    const plain = await fetch(`${base()}/files`, { method: 'POST', headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json' }, body: '{}' });
    expect(plain.status).toBe(415);
    // the server is fine afterwards
    expect((await uploadFile(api, staff, Buffer.from('vẫn chạy'), 'ok.txt', 'text/plain')).status).toBe(201);
  });
});

describe('signed links and ranged reading', () => {
  let resourceId: string;
  let pdf: Buffer;

  beforeAll(async () => {
    pdf = await makePdf(Array.from({ length: 12 }, (_, i) => `Trang ${i + 1}: ${'Lịch sử Bình Định qua các thời kỳ. '.repeat(40)}`), 'Sách dày');
    const up = await uploadFile(api, staff, pdf, 'sach-day.pdf', 'application/pdf');
    const r = data(await api.gql(EResCreateDocument, { input: { kind: 'DIGITISED', description: { title: 'Sách dày' }, fileIds: [up.body.id!] } }, { token: staff })).createEResource;
    if (r.__typename !== 'EResource') throw new Error(JSON.stringify(r));
    resourceId = r.id;
    data(await api.gql(EResPublishDocument, { id: r.id }, { token: staff }));
  });

  async function link(): Promise<string> {
    const o = data(await api.gql(EResOpenDocument, { id: resourceId })).openEResource;
    if (o.__typename !== 'EResourceAccess') throw new Error(JSON.stringify(o));
    expect(new Date(o.expiresAt!).getTime() - Date.now()).toBeLessThanOrEqual(TTL * 1000);
    return `${base()}${o.url}`;
  }

  test('the file endpoint serves Range requests with the right type; whole file and slices match the bytes', async () => {
    const url = await link();
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('application/pdf');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('x-content-type-options')).toBe('nosniff');
    expect(whole.headers.get('content-disposition')).toContain("filename*=UTF-8''sach-day.pdf");
    expect(Buffer.from(await whole.arrayBuffer()).equals(pdf)).toBe(true);
    const slice = await fetch(url, { headers: { range: 'bytes=1000-1999' } });
    expect(slice.status).toBe(206);
    expect(slice.headers.get('content-range')).toBe(`bytes 1000-1999/${pdf.length}`);
    expect(Buffer.from(await slice.arrayBuffer()).equals(pdf.subarray(1000, 2000))).toBe(true);
    const tail = await fetch(url, { headers: { range: 'bytes=-100' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(pdf.subarray(pdf.length - 100))).toBe(true);
    const beyond = await fetch(url, { headers: { range: `bytes=${pdf.length + 10}-` } });
    expect(beyond.status).toBe(416);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(pdf.length));
  });

  test('altered and expired links are refused', async () => {
    const url = new URL(await link());
    const other = new URL(url);
    other.pathname = `/files/${Number(url.pathname.split('/')[2]) + 1}`;
    expect((await fetch(other)).status).toBe(403);
    const later = new URL(url);
    later.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
    const r = await fetch(later);
    expect(r.status).toBe(403);
    expect(((await r.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('LINK_INVALID');
    const noSig = new URL(url);
    noSig.searchParams.delete('sig');
    expect((await fetch(noSig)).status).toBe(403);
    expect((await fetch(`${base()}/files/abc?exp=1&sig=x`)).status).toBe(403);
    await new Promise((res) => setTimeout(res, (TTL + 1.2) * 1000));
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('LINK_EXPIRED');
  });

  test('text is extracted in the background, after the upload answered', async () => {
    const r = await eventually(async () => {
      const e = data(await api.gql(EResGetDocument, { id: resourceId })).eResource;
      return e?.files[0].textExtraction === 'DONE' ? e : undefined;
    });
    const parts = await rows<{ n: string; pages: string }>(`select count(*) n, count(distinct page) pages from e_text_parts where sha256 = $1`, [r.files[0].sha256]);
    expect(Number(parts[0].pages)).toBe(12);
  });
});

describe('cleaning up', () => {
  test('an upload never attached is removed after a day, with its bytes when nothing else uses them; expired loans end by the job', async () => {
    const up = await uploadFile(api, staff, Buffer.from('Tệp bỏ quên không gắn vào đâu.'), 'quen.txt', 'text/plain');
    const sha = up.body.sha256!;
    expect(storedFiles().some((f) => f.endsWith(sha))).toBe(true);
    await rows(`update e_files set uploaded_at = now() - interval '2 days' where sha256 = $1`, [sha]);
    await rows(`update e_blobs set created_at = now() - interval '2 days' where sha256 = $1`, [sha]);
    await eventually(async () => (storedFiles().some((f) => f.endsWith(sha)) ? undefined : true), 15000);
    expect(await rows(`select 1 from e_blobs where sha256 = $1`, [sha])).toHaveLength(0);
    expect(await rows(`select 1 from e_files where sha256 = $1`, [sha])).toHaveLength(0);

    // a detached file's bytes stay while another file refers to them
    const keep = await uploadFile(api, staff, Buffer.from('Tệp dùng chung.'), 'chung.txt', 'text/plain');
    const r = data(await api.gql(EResCreateDocument, { input: { kind: 'DIGITISED', description: { title: 'Dùng chung' }, fileIds: [keep.body.id!] } }, { token: staff })).createEResource;
    if (r.__typename !== 'EResource') throw new Error(JSON.stringify(r));
    const twin = await uploadFile(api, staff, Buffer.from('Tệp dùng chung.'), 'chung-2.txt', 'text/plain');
    await rows(`update e_files set uploaded_at = now() - interval '2 days' where id = (select max(id) from e_files)`);
    await rows(`update e_blobs set created_at = now() - interval '2 days' where sha256 = $1`, [keep.body.sha256]);
    await eventually(async () => ((await rows(`select 1 from e_files where id = (select max(id) from e_files) and filename = 'chung-2.txt'`)).length ? undefined : true), 15000);
    expect(twin.body.duplicate).toBe(true);
    expect(storedFiles().some((f) => f.endsWith(keep.body.sha256!))).toBe(true);
    // replacing the files of a resource detaches the old ones
    const upd = data(await api.gql(EResUpdateDocument, { input: { id: r.id, fileIds: [] } }, { token: staff })).updateEResource;
    expect(upd).toMatchObject({ __typename: 'EResource', files: [] });

    // a digital loan past due is ended by the scheduler with an event
    const lic = data(
      await api.gql(EResCreateDocument, { input: { kind: 'LICENSED', description: { title: 'Hết hạn' }, externalUrl: 'https://x.example/b', licence: { provider: 'X', concurrentUsers: 2 } } }, { token: staff }),
    ).createEResource;
    if (lic.__typename !== 'EResource') throw new Error(JSON.stringify(lic));
    data(await api.gql(EResPublishDocument, { id: lic.id }, { token: staff }));
    const id = Number(Buffer.from(lic.id, 'base64url').toString().split(':')[1]);
    await rows(`insert into e_loans (e_resource_id, patron_id, library_id, borrowed_at, due_at) select $1, p.id, p.home_library_id, now() - interval '15 days', now() - interval '1 day' from patrons p where card_number = 'PL-000001'`, [id]);
    const ended = await eventually(async () => {
      const l = await rows<{ ended_by: string | null; returned_at: Date | null; due_at: Date }>(`select ended_by, returned_at, due_at from e_loans where e_resource_id = $1`, [id]);
      return l[0].ended_by ? l[0] : undefined;
    }, 15000);
    expect(ended.ended_by).toBe('EXPIRED');
    expect(ended.returned_at?.getTime()).toBe(ended.due_at.getTime());
    const ev = await rows(`select 1 from events where type = 'eresource.loan.expired' and payload->>'eResourceId' = $1`, [String(id)]);
    expect(ev).toHaveLength(1);
  });
});
