import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { query } from '../../db/sql';
import type { Context } from '../../server/context';
import { audit } from '../audit/audit.service';
import { emitEvent } from '../events/outbox';
import { agencyLibraryId } from './agencies.service';
import { SNIFF_BYTES, TextCheck, UploadRefused, checkEpub, checkType, cleanFilename, sniffType } from './sniff';
import { runtime } from './runtime';
import { textExtractor } from './text-extractor';

export interface UploadedFile {
  id: number;
  sha256: string;
  size: number;
  contentType: string;
  filename: string;
  /** The same bytes were already stored (by anyone): nothing new was written to disk. */
  duplicate: boolean;
  uploadedAt: Date;
}

const TEXT_TYPES = new Set(['application/pdf', 'application/epub+zip', 'text/plain']);
const TAIL_BYTES = 2048;

/** Files cut off in transit or on the way to us: formats with an end marker must end with it. */
function checkComplete(contentType: string, tail: Buffer): void {
  const cut = (what: string) => new UploadRefused(422, 'TRUNCATED', `The ${what} is incomplete (its end is missing): upload the whole file.`);
  if (contentType === 'application/pdf' && !tail.includes('%%EOF')) throw cut('PDF');
  if (contentType === 'image/png' && !tail.includes(Buffer.from('IEND'))) throw cut('PNG image');
  if (contentType === 'image/jpeg' && !tail.subarray(-64).includes(Buffer.from([0xff, 0xd9]))) throw cut('JPEG image');
}

/** Hashes, measures and keeps the head of the bytes as they stream past, without holding them. */
class Inspector extends Transform {
  readonly hash = createHash('sha256');
  readonly text = new TextCheck();
  size = 0;
  private headParts: Buffer[] = [];
  private headSize = 0;
  /** The last bytes seen (a truncated PDF, PNG or JPEG lacks its end marker). */
  tail = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    this.text.push(chunk);
    if (this.headSize < SNIFF_BYTES) {
      const part = chunk.subarray(0, SNIFF_BYTES - this.headSize);
      this.headParts.push(Buffer.from(part));
      this.headSize += part.length;
    }
    this.tail = chunk.length >= TAIL_BYTES ? Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES)) : Buffer.concat([this.tail, chunk]).subarray(-TAIL_BYTES);
    cb(null, chunk);
  }

  get head(): Buffer {
    return Buffer.concat(this.headParts);
  }
}

/**
 * Takes one file from a multipart/form-data request (field `file`) by streaming it to a temporary
 * file while hashing it, then checks its real type and stores it under its SHA-256 with an `e_files`
 * row, an audit row and an event in one transaction. Every failure (too large, cut off, wrong type,
 * zip bomb, database error) removes the temporary file and leaves no row.
 */
export async function receiveUpload(ctx: Context, req: IncomingMessage): Promise<UploadedFile> {
  const v = ctx.viewer;
  if (!v.isAuthenticated) throw new UploadRefused(401, 'UNAUTHENTICATED', 'Sign in first: send Authorization: Bearer <token>.');
  if (!(v.isStaff || v.isContributor) || v.accountId === null) {
    throw new UploadRefused(403, 'FORBIDDEN', 'Only library staff and contributors upload files.');
  }
  const max = ctx.config.eresourceMaxUploadBytes;
  const type = String(req.headers['content-type'] ?? '');
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new UploadRefused(415, 'BAD_REQUEST', 'Send the file as multipart/form-data with one part named "file".');
  }
  const declared = Number(req.headers['content-length']);
  // multipart overhead is small: a body far over the limit is refused before a byte is read
  if (Number.isFinite(declared) && declared > max + 64 * 1024) {
    throw new UploadRefused(413, 'FILE_TOO_LARGE', `The file is larger than the limit of ${max} bytes.`);
  }
  const { storage } = runtime(ctx.config);
  const temp = await storage.createTemp();
  let committedNew: string | null = null;
  try {
    const got = await streamPart(req, temp.stream, max);
    const sniffed = await sniffType(got.inspector.head, got.inspector.text.end());
    const contentType = checkType(sniffed, got.claimedType, got.filename);
    checkComplete(contentType, got.inspector.tail);
    if (contentType === 'application/epub+zip') await checkEpub(temp.tempPath);
    const sha256 = got.inspector.hash.digest('hex');
    const size = got.inspector.size;
    const libraryId = v.isContributor ? await agencyLibraryId(ctx) : v.libraryId;
    const result = await ctx.em.transactional(async (em) => {
      const blob = await query<{ sha256: string }>(
        em,
        `insert into e_blobs (sha256, size, content_type, text_status) values (?, ?, ?, ?)
         on conflict (sha256) do nothing returning sha256`,
        [sha256, size, contentType, TEXT_TYPES.has(contentType) ? 'PENDING' : 'NONE'],
      );
      // a concurrent upload of the same bytes waits on the row above until this one ends
      const created = blob.length === 1;
      const moved = await temp.commit(sha256);
      if (moved && created) committedNew = sha256;
      const rows = await query<{ id: string; uploaded_at: Date }>(
        em,
        `insert into e_files (sha256, filename, content_type, size, uploaded_by) values (?, ?, ?, ?, ?) returning id, uploaded_at`,
        [sha256, got.filename, contentType, size, v.accountId],
      );
      const id = Number(rows[0].id);
      const after = { sha256, filename: got.filename, contentType, size, duplicate: !created };
      await audit({ em, viewer: v }, { action: 'eresource.file.upload', entity: 'EResourceFile', entityId: id, libraryId, after });
      await emitEvent(em, { type: 'eresource.file.uploaded', libraryIds: libraryId ? [libraryId] : [], entity: 'EResourceFile', entityId: id, payload: { fileId: id, ...after } });
      return { id, sha256, size, contentType, filename: got.filename, duplicate: !created, uploadedAt: new Date(rows[0].uploaded_at) };
    });
    if (result.duplicate === false && TEXT_TYPES.has(contentType)) textExtractor.wake();
    return result;
  } catch (err) {
    await temp.abort();
    // bytes moved in place by this request for a row that did not commit
    if (committedNew) await storage.remove(committedNew).catch(() => undefined);
    throw err;
  }
}

interface Part {
  inspector: Inspector;
  filename: string;
  claimedType: string | undefined;
}

function streamPart(req: IncomingMessage, out: NodeJS.WritableStream, max: number): Promise<Part> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        // keep the name as sent: a path in it is refused (cleanFilename), not silently cut
        preservePath: true,
        limits: { files: 1, fileSize: max, fields: 5, fieldSize: 1024, parts: 6, headerPairs: 20 },
        highWaterMark: 1024 * 1024,
      });
    } catch {
      return reject(new UploadRefused(400, 'BAD_REQUEST', 'The multipart body has no boundary.'));
    }
    let part: Promise<Part> | null = null;
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(bb);
      req.resume(); // drain the rest so the connection can answer
      reject(e);
    };
    bb.on('file', (field, stream, info) => {
      if (field !== 'file' || part) {
        stream.resume();
        return fail(new UploadRefused(400, 'BAD_REQUEST', 'Send exactly one file, in a part named "file".'));
      }
      let filename: string;
      try {
        filename = cleanFilename(info.filename);
      } catch (e) {
        stream.resume();
        return fail(e);
      }
      const inspector = new Inspector();
      let tooLarge = false;
      stream.on('limit', () => {
        tooLarge = true;
      });
      part = pipeline(stream, inspector, out).then(() => {
        if (tooLarge || (stream as { truncated?: boolean }).truncated) {
          throw new UploadRefused(413, 'FILE_TOO_LARGE', `The file is larger than the limit of ${max} bytes.`);
        }
        if (inspector.size === 0) throw new UploadRefused(400, 'EMPTY_FILE', 'The file is empty.');
        return { inspector, filename, claimedType: info.mimeType };
      });
      part.catch(fail);
    });
    bb.on('filesLimit', () => fail(new UploadRefused(400, 'BAD_REQUEST', 'Send exactly one file.')));
    bb.on('partsLimit', () => fail(new UploadRefused(400, 'BAD_REQUEST', 'Too many parts in the form.')));
    bb.on('error', (e: Error) => fail(new UploadRefused(400, 'TRUNCATED', `The upload is incomplete or malformed: ${e.message}.`)));
    bb.on('close', () => {
      if (settled) return;
      if (!part) return fail(new UploadRefused(400, 'BAD_REQUEST', 'The form has no part named "file".'));
      part.then(
        (p) => {
          if (settled) return;
          settled = true;
          resolve(p);
        },
        fail,
      );
    });
    req.on('aborted', () => fail(new UploadRefused(400, 'TRUNCATED', 'The client stopped sending before the upload was complete.')));
    req.pipe(bb);
  });
}
