import fsp from 'node:fs/promises';
import { XMLParser } from 'fast-xml-parser';
import yauzl from 'yauzl';
import { EPUB_LIMITS } from './sniff';

/** A piece of extracted text: a PDF page, an EPUB chapter (or part of one), or ~4,000 characters of text. */
export interface TextPart {
  page: number | null;
  body: string;
}

export interface ExtractLimits {
  /** Text kept per file; the rest is not indexed. */
  maxChars: number;
}

export const PART_CHARS = 4000;

// file-type and pdf.js are ESM-only: a real dynamic import from our CommonJS build
const importEsm = new Function('s', 'return import(s)') as <T>(s: string) => Promise<T>;

/** NFC, no control characters (PostgreSQL text holds no NUL), runs of blanks squeezed. */
export function tidy(s: string): string {
  return (
    s
      .normalize('NFC')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/g, ' ')
      .replace(/[ \t\u00A0]+/g, ' ')
      .replace(/\s*\n\s*\n\s*/g, '\n\n')
      .trim()
  );
}

/** Cuts text into parts of at most PART_CHARS characters, at a blank where there is one. */
export function splitParts(text: string, page: number | null): TextPart[] {
  const out: TextPart[] = [];
  let rest = text;
  while (rest.length > PART_CHARS) {
    let cut = rest.lastIndexOf(' ', PART_CHARS);
    const nl = rest.lastIndexOf('\n', PART_CHARS);
    if (nl > cut) cut = nl;
    if (cut < PART_CHARS / 2) cut = PART_CHARS;
    // never split a surrogate pair
    if (/[\uD800-\uDBFF]/.test(rest[cut - 1] ?? '')) cut--;
    out.push({ page, body: rest.slice(0, cut).trim() });
    rest = rest.slice(cut);
  }
  if (rest.trim()) out.push({ page, body: rest.trim() });
  return out.filter((p) => p.body.length > 0);
}

class Budget {
  used = 0;
  constructor(readonly max: number) {}
  take(s: string): string {
    const room = this.max - this.used;
    const t = s.length > room ? s.slice(0, Math.max(0, room)) : s;
    this.used += t.length;
    return t;
  }
  get full(): boolean {
    return this.used >= this.max;
  }
}

export async function extractText(path: string, contentType: string, limits: ExtractLimits): Promise<TextPart[]> {
  const budget = new Budget(limits.maxChars);
  if (contentType === 'text/plain') {
    const fh = await fsp.open(path);
    try {
      // at most the budget's worth of bytes (a UTF-8 character is at most 4 bytes)
      const buf = Buffer.alloc(Math.min((await fh.stat()).size, limits.maxChars * 4));
      await fh.read(buf, 0, buf.length, 0);
      return splitParts(tidy(budget.take(buf.toString('utf8'))), null);
    } finally {
      await fh.close();
    }
  }
  if (contentType === 'application/pdf') return extractPdf(path, budget);
  if (contentType === 'application/epub+zip') return extractEpub(path, budget);
  return [];
}

type PdfJs = {
  getDocument(src: Record<string, unknown>): { promise: Promise<PdfDoc>; destroy(): Promise<void> };
};
type PdfDoc = {
  numPages: number;
  getPage(n: number): Promise<{ getTextContent(): Promise<{ items: { str?: string; hasEOL?: boolean }[] }>; cleanup(): void }>;
  destroy(): Promise<void>;
};

async function extractPdf(path: string, budget: Budget): Promise<TextPart[]> {
  const pdfjs = await importEsm<PdfJs>('pdfjs-dist/legacy/build/pdf.mjs');
  const data = new Uint8Array(await fsp.readFile(path));
  const task = pdfjs.getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: false });
  const doc = await task.promise;
  const parts: TextPart[] = [];
  try {
    for (let n = 1; n <= doc.numPages && !budget.full; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      const text = content.items.map((i) => (i.str ?? '') + (i.hasEOL ? '\n' : '')).join('');
      page.cleanup();
      const t = tidy(text);
      if (t) parts.push(...splitParts(budget.take(t), n));
    }
  } finally {
    await doc.destroy();
  }
  return parts;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true }, (err, zip) =>
      err || !zip ? reject(err ?? new Error('not a zip')) : resolve(zip),
    ),
  );
}

function listEntries(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const map = new Map<string, yauzl.Entry>();
    zip.on('entry', (e: yauzl.Entry) => {
      map.set(e.fileName, e);
      if (map.size > EPUB_LIMITS.maxEntries) return reject(new Error('too many entries'));
      zip.readEntry();
    });
    zip.on('end', () => resolve(map));
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** Reads one entry, inflating at most `max` bytes (yauzl also checks the declared size). */
function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, max: number): Promise<Buffer> {
  if (entry.uncompressedSize > max) return Promise.reject(new Error(`entry ${entry.fileName} is too large`));
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('unreadable entry'));
      const chunks: Buffer[] = [];
      let n = 0;
      stream.on('data', (c: Buffer) => {
        n += c.length;
        if (n > max) {
          stream.destroy(new Error(`entry ${entry.fileName} is too large`));
          return;
        }
        chunks.push(c);
      });
      stream.on('end', () => resolve(Buffer.concat(chunks)));
      stream.on('error', reject);
    });
  });
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, processEntities: true, htmlEntities: true });
const xhtml = new XMLParser({ preserveOrder: true, ignoreAttributes: true, removeNSPrefix: true, processEntities: true, htmlEntities: true, trimValues: false });

const BLOCK = new Set(['p', 'div', 'br', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'section', 'blockquote', 'pre', 'dt', 'dd', 'title']);

/** Text of an XHTML document in reading order, without head, scripts or styles. */
function xhtmlText(source: string): string {
  const out: string[] = [];
  const walk = (nodes: unknown[]) => {
    for (const node of nodes) {
      if (!node || typeof node !== 'object') continue;
      for (const [tag, value] of Object.entries(node as Record<string, unknown>)) {
        if (tag === ':@') continue;
        if (tag === '#text') {
          out.push(String(value));
          continue;
        }
        const t = tag.toLowerCase();
        if (t === 'head' || t === 'script' || t === 'style') continue;
        if (Array.isArray(value)) walk(value);
        if (BLOCK.has(t)) out.push('\n');
      }
    }
  };
  walk(xhtml.parse(source) as unknown[]);
  return out.join('');
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

async function extractEpub(path: string, budget: Budget): Promise<TextPart[]> {
  const zip = await openZip(path);
  try {
    const entries = await listEntries(zip);
    const container = entries.get('META-INF/container.xml');
    if (!container) throw new Error('no META-INF/container.xml');
    const c = xml.parse((await readEntry(zip, container, 1024 * 1024)).toString('utf8'));
    const opfPath = asArray(c?.container?.rootfiles?.rootfile)[0]?.['@full-path'];
    if (typeof opfPath !== 'string' || !entries.get(opfPath)) throw new Error('no package document');
    const opf = xml.parse((await readEntry(zip, entries.get(opfPath)!, 8 * 1024 * 1024)).toString('utf8'))?.package;
    const base = opfPath.includes('/') ? opfPath.slice(0, opfPath.lastIndexOf('/') + 1) : '';
    const manifest = new Map<string, string>();
    for (const item of asArray(opf?.manifest?.item)) {
      if (typeof item?.['@id'] === 'string' && typeof item?.['@href'] === 'string') manifest.set(item['@id'], item['@href']);
    }
    const parts: TextPart[] = [];
    let chapter = 0;
    for (const ref of asArray(opf?.spine?.itemref)) {
      if (budget.full) break;
      const href = manifest.get(ref?.['@idref']);
      if (!href) continue;
      const name = normaliseZipPath(base + decodeURIComponent(href.split('#')[0]));
      const entry = name ? entries.get(name) : undefined;
      if (!entry) continue;
      chapter++;
      const text = tidy(xhtmlText((await readEntry(zip, entry, 32 * 1024 * 1024)).toString('utf8')));
      if (text) parts.push(...splitParts(budget.take(text), chapter));
    }
    return parts;
  } finally {
    zip.close();
  }
}

/** Resolves `a/./b/../c` inside the archive; null for a path that climbs out of it. */
function normaliseZipPath(p: string): string | null {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (!out.length) return null;
      out.pop();
    } else out.push(seg);
  }
  return out.join('/');
}
