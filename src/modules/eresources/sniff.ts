import yauzl from 'yauzl';

/** Media types the digital library accepts, with the file name extensions that may claim them. */
export const ALLOWED_TYPES: Record<string, string[]> = {
  'application/pdf': ['pdf'],
  'application/epub+zip': ['epub'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/tiff': ['tif', 'tiff'],
  'audio/mpeg': ['mp3'],
  'video/mp4': ['mp4', 'm4v'],
  'text/plain': ['txt', 'text'],
};

/** Bytes of the head of a file given to the sniffer (file-type needs at most ~4 kB for these types). */
export const SNIFF_BYTES = 64 * 1024;

// file-type is ESM-only; a real dynamic import (not compiled to require) loads it from CommonJS
const importEsm = new Function('s', 'return import(s)') as <T>(s: string) => Promise<T>;
type FileTypeModule = { fileTypeFromBuffer(b: Uint8Array): Promise<{ mime: string; ext: string } | undefined> };
let fileTypeModule: Promise<FileTypeModule> | null = null;

/**
 * The media type the bytes really are (file-type's magic numbers), or text/plain for valid UTF-8
 * without control characters (decided by the caller over the whole stream: `textOk`), else null.
 */
export async function sniffType(head: Buffer, textOk: boolean): Promise<string | null> {
  fileTypeModule ??= importEsm<FileTypeModule>('file-type');
  const ft = await (await fileTypeModule).fileTypeFromBuffer(head);
  if (ft) return ft.mime;
  return textOk && head.length > 0 ? 'text/plain' : null;
}

/** Streaming check that a file is UTF-8 text (no NUL or other control characters but tab and line breaks). */
export class TextCheck {
  ok = true;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  push(chunk: Buffer): void {
    if (!this.ok) return;
    try {
      const s = this.decoder.decode(chunk, { stream: true });
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u0008\u000B\u000E-\u001F\u007F]/.test(s)) this.ok = false;
    } catch {
      this.ok = false;
    }
  }

  end(): boolean {
    if (!this.ok) return false;
    try {
      this.decoder.decode();
    } catch {
      this.ok = false;
    }
    return this.ok;
  }
}

export class UploadRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A display name from what the client sent: NFC, no path, no control or reserved characters. A name
 * that tries a path ("../x.pdf", "C:\\x.pdf") is refused rather than silently cut: the bytes are
 * stored by hash, so no name ever reaches the disk, but a client that sends one has a bug to see.
 */
export function cleanFilename(raw: string | undefined): string {
  const name = (raw ?? '').normalize('NFC').trim();
  if (name === '') throw new UploadRefused(400, 'BAD_FILENAME', 'The file part has no file name.');
  if (/[/\\]/.test(name) || name === '.' || name === '..' || /^[A-Za-z]:/.test(name)) {
    throw new UploadRefused(400, 'BAD_FILENAME', 'The file name must be a plain name, without a path.');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001F\u007F<>:"|?*]/.test(name)) throw new UploadRefused(400, 'BAD_FILENAME', 'The file name contains characters that are not allowed.');
  if (Buffer.byteLength(name) > 255) throw new UploadRefused(400, 'BAD_FILENAME', 'The file name is longer than 255 bytes.');
  if (name.startsWith('.')) throw new UploadRefused(400, 'BAD_FILENAME', 'The file name must not start with a dot.');
  return name;
}

/**
 * Refuses bytes that are not what they claim: the sniffed type must be allowed, equal the claimed
 * media type (unless the client sent none or application/octet-stream) and fit the name's extension.
 */
export function checkType(sniffed: string | null, claimed: string | undefined, filename: string): string {
  if (!sniffed || !ALLOWED_TYPES[sniffed]) {
    throw new UploadRefused(415, 'UNSUPPORTED_TYPE', `This kind of file is not accepted${sniffed ? ` (${sniffed})` : ''}: PDF, EPUB, JPEG, PNG, TIFF, MP3, MP4 or plain text only.`);
  }
  const c = (claimed ?? '').split(';')[0].trim().toLowerCase();
  if (c && c !== 'application/octet-stream' && c !== sniffed && !(c === 'image/jpg' && sniffed === 'image/jpeg')) {
    throw new UploadRefused(415, 'TYPE_MISMATCH', `The file claims to be ${c} but its content is ${sniffed}.`);
  }
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(filename)?.[1].toLowerCase();
  if (ext && !ALLOWED_TYPES[sniffed].includes(ext)) {
    throw new UploadRefused(415, 'TYPE_MISMATCH', `The file is named .${ext} but its content is ${sniffed}.`);
  }
  return sniffed;
}

/** Limits an EPUB's zip must keep (zip bombs: huge expansion, countless entries, path tricks). */
export const EPUB_LIMITS = {
  maxEntries: 10_000,
  maxTotalUncompressed: 2 * 1024 ** 3,
  maxEntryUncompressed: 512 * 1024 ** 2,
  /** Expansion ratio allowed for entries over 1 MB uncompressed. */
  maxRatio: 100,
};

/**
 * Reads an EPUB's central directory (not its contents) and refuses zip bombs and unsafe entry names.
 * yauzl checks each entry's declared sizes against the bytes actually inflated, so whoever reads the
 * contents later (text extraction) cannot be made to inflate more than declared here.
 */
export function checkEpub(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const refuse = (message: string) => reject(new UploadRefused(422, 'BAD_ARCHIVE', message));
    yauzl.open(path, { lazyEntries: true, autoClose: true, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return refuse(`The EPUB is not a readable zip archive${err ? `: ${err.message}` : ''}.`);
      let entries = 0;
      let total = 0;
      let hasMimetype = false;
      let hasContainer = false;
      let failed = false;
      const fail = (m: string) => {
        if (failed) return;
        failed = true;
        zip.close();
        refuse(m);
      };
      zip.on('error', (e: Error) => fail(`The EPUB archive is damaged or unsafe: ${e.message}.`));
      zip.on('entry', (e: yauzl.Entry) => {
        entries++;
        total += e.uncompressedSize;
        const name = e.fileName;
        if (name.split('/').some((s) => s === '..') || name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\')) {
          return fail(`The EPUB has an entry with a path outside the book (${name.slice(0, 100)}).`);
        }
        if (entries > EPUB_LIMITS.maxEntries) return fail(`The EPUB has more than ${EPUB_LIMITS.maxEntries} entries.`);
        if (e.uncompressedSize > EPUB_LIMITS.maxEntryUncompressed || total > EPUB_LIMITS.maxTotalUncompressed) {
          return fail('The EPUB expands to more than the allowed size (zip bomb?).');
        }
        if (e.uncompressedSize > 1024 * 1024 && e.uncompressedSize > EPUB_LIMITS.maxRatio * Math.max(1, e.compressedSize)) {
          return fail(`The EPUB has an entry that expands more than ${EPUB_LIMITS.maxRatio} times (zip bomb?).`);
        }
        if (name === 'mimetype') hasMimetype = true;
        if (name === 'META-INF/container.xml') hasContainer = true;
        zip.readEntry();
      });
      zip.on('end', () => {
        if (failed) return;
        if (!hasMimetype || !hasContainer) return refuse('The EPUB lacks its mimetype or META-INF/container.xml entry.');
        resolve();
      });
      zip.readEntry();
    });
  });
}
