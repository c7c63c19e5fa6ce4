import path from 'node:path';
import PDFDocument from 'pdfkit';
import yazl from 'yazl';

/**
 * Small sample documents made on the fly (demo data, tests, benchmarks): a PDF with a real text layer
 * in Vietnamese (DejaVu Sans has every Vietnamese letter), an EPUB 3, and hostile archives.
 */

const FONT = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf');

/** A PDF with one page per string (selectable, extractable text). */
export function makePdf(pages: string[], title = 'Tài liệu'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, compress: true, info: { Title: title, Producer: 'Shelfnet' } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('body', FONT);
    doc.font('body').fontSize(12);
    pages.forEach((p, i) => {
      if (i > 0) doc.addPage();
      doc.text(p, { align: 'left' });
    });
    doc.end();
  });
}

function zipToBuffer(zip: yazl.ZipFile): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
    zip.end();
  });
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An EPUB 3 with one XHTML chapter per entry. */
export function makeEpub(title: string, chapters: { title: string; paragraphs: string[] }[], extra: (zip: yazl.ZipFile) => void = () => undefined): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('application/epub+zip'), 'mimetype', { compress: false });
  zip.addBuffer(
    Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>`),
    'META-INF/container.xml',
  );
  const items = chapters.map((_, i) => `<item id="c${i + 1}" href="text/c${i + 1}.xhtml" media-type="application/xhtml+xml"/>`).join('\n    ');
  const spine = chapters.map((_, i) => `<itemref idref="c${i + 1}"/>`).join('');
  zip.addBuffer(
    Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:shelfnet:${Date.now()}</dc:identifier><dc:title>${esc(title)}</dc:title><dc:language>vi</dc:language></metadata>
  <manifest>
    ${items}
  </manifest>
  <spine>${spine}</spine>
</package>`),
    'OEBPS/content.opf',
  );
  chapters.forEach((c, i) => {
    zip.addBuffer(
      Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="vi"><head><title>${esc(c.title)}</title><style>p { margin: 0 }</style></head>
<body><h1>${esc(c.title)}</h1>${c.paragraphs.map((p) => `<p>${esc(p)}</p>`).join('')}</body></html>`),
      `OEBPS/text/c${i + 1}.xhtml`,
    );
  });
  extra(zip);
  return zipToBuffer(zip);
}

/** An EPUB with a 16 MB entry of zeros that compresses to a few hundred kB (a zip bomb). */
export function makeZipBombEpub(): Promise<Buffer> {
  return makeEpub('Bom', [{ title: 'Một', paragraphs: ['x'] }], (zip) => {
    const zeros = Buffer.alloc(16 * 1024 * 1024);
    zip.addBuffer(zeros, 'OEBPS/images/zero.bin', { compress: true });
  });
}

/** A minimal valid PNG (1×1 pixel). */
export const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
