/**
 * Deterministic demo data for a first start: the public library network of Bình Định province,
 * its union catalogue and the copies each library holds. Everything is derived from the data
 * files next to this one and a seeded PRNG, so every call returns the same network.
 */
import {
  AGRI_FIXED,
  ANIMALS,
  ANIMAL_TEMPLATES,
  CHILD_TITLES,
  FEMALE_GIVEN,
  FEMALE_MIDDLE,
  GENERAL_TITLES,
  HIST_TITLES,
  LAW_TEMPLATES,
  LAW_TOPICS,
  LOCAL_TITLES,
  MALE_GIVEN,
  MALE_MIDDLE,
  PLANTS,
  PLANT_TEMPLATES,
  SURNAMES,
  type Template,
  type TitleSpec,
  type Topic,
} from './generated.data';
import { DEMO_LIBRARIES } from './libraries.data';
import { PUBLISHERS, type DemoPublisher, type PublisherKey } from './publishers.data';
import { CURATED_RECORDS, type Category, type RecordSpec } from './records.data';

export type LibraryKind = 'PROVINCIAL' | 'DISTRICT' | 'COMMUNE' | 'SCHOOL' | 'SPECIALIZED';
export type RecordFormat = 'BOOK' | 'SERIAL' | 'MAP' | 'AUDIO' | 'VIDEO' | 'MANUSCRIPT' | 'DIGITAL' | 'OTHER';
export type ItemStatus =
  | 'AVAILABLE'
  | 'ON_LOAN'
  | 'ON_HOLD_SHELF'
  | 'IN_TRANSIT'
  | 'IN_PROCESSING'
  | 'MISSING'
  | 'DAMAGED'
  | 'WITHDRAWN';

export interface DemoLibrary {
  code: string;
  name: string;
  kind: LibraryKind;
  parentCode: string | null;
  address: string;
  phone: string | null;
  email: string | null;
  lendsToNetwork: boolean;
  borrowsFromNetwork: boolean;
  timeZone: string;
}

/** role: 'author', 'editor', 'translator' or 'illustrator'. */
export interface DemoContributor {
  name: string;
  role: string;
}

export interface DemoRecord {
  title: string;
  subtitle: string | null;
  contributors: DemoContributor[];
  publisher: string | null;
  place: string | null;
  year: number | null;
  edition: string | null;
  isbns: string[];
  issn: string | null;
  language: string;
  subjects: string[];
  ddc: string | null;
  format: RecordFormat;
  description: string | null;
}

export interface DemoItem {
  recordIndex: number;
  libraryCode: string;
  barcode: string;
  location: string | null;
  callNumber: string | null;
  status: ItemStatus;
  loanable: boolean;
  lendable: boolean;
  notes: string | null;
}

export interface DemoNetwork {
  libraries: DemoLibrary[];
  records: DemoRecord[];
  items: DemoItem[];
}

// ------------------------------------------------------------------------------ randomness

const SEED = 0x8d2025;

/** mulberry32: tiny, fast, good enough for demo data, and identical on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  shuffle<T>(xs: readonly T[]): T[] {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

// ------------------------------------------------------------------------------ identifiers

/** Check digit of an ISBN-13 given its first 12 digits. */
export function isbn13CheckDigit(first12: string): string {
  if (!/^\d{12}$/.test(first12)) throw new Error(`expected 12 digits, got ${first12}`);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return String((10 - (sum % 10)) % 10);
}

export function isValidIsbn13(isbn: string): boolean {
  return /^\d{13}$/.test(isbn) && isbn13CheckDigit(isbn.slice(0, 12)) === isbn[12];
}

/** Check character of an ISSN given its first 7 digits ('X' stands for 10). */
export function issnCheckDigit(first7: string): string {
  if (!/^\d{7}$/.test(first7)) throw new Error(`expected 7 digits, got ${first7}`);
  let sum = 0;
  for (let i = 0; i < 7; i++) sum += Number(first7[i]) * (8 - i);
  const c = (11 - (sum % 11)) % 11;
  return c === 10 ? 'X' : String(c);
}

export function isValidIssn(issn: string): boolean {
  const m = /^(\d{4})-(\d{3})([\dX])$/.exec(issn);
  return m !== null && issnCheckDigit(m[1] + m[2]) === m[3];
}

function mintIsbn(rng: Rng, prefix: string, used: Set<string>): string {
  for (;;) {
    let body = prefix;
    while (body.length < 12) body += String(rng.int(0, 9));
    const isbn = body + isbn13CheckDigit(body);
    if (!used.has(isbn)) {
      used.add(isbn);
      return isbn;
    }
  }
}

function mintIssn(rng: Rng, used: Set<string>): string {
  for (;;) {
    const first7 = rng.pick(['1859', '1859', '0866']) + String(rng.int(0, 999)).padStart(3, '0');
    const issn = `${first7.slice(0, 4)}-${first7.slice(4)}${issnCheckDigit(first7)}`;
    if (!used.has(issn)) {
      used.add(issn);
      return issn;
    }
  }
}

// ------------------------------------------------------------------------------ records

/** What the holdings step needs to know about a record beyond the record itself. */
interface RecordMeta {
  cat: Category;
  pop: boolean;
  rare: boolean;
  ref: boolean;
  school: boolean;
  museum: boolean;
  everywhere: boolean;
  cutter: string;
}

function makePeople(rng: Rng, n: number, used: Set<string>): string[] {
  const out: string[] = [];
  while (out.length < n) {
    const female = rng.chance(0.45);
    const name = [
      rng.pick(SURNAMES),
      female ? rng.pick(FEMALE_MIDDLE) : rng.pick(MALE_MIDDLE),
      female ? rng.pick(FEMALE_GIVEN) : rng.pick(MALE_GIVEN),
    ].join(' ');
    if (!used.has(name)) {
      used.add(name);
      out.push(name);
    }
  }
  return out;
}

function genYear(rng: Rng, cat: Category, minYear = 1950, maxYear = 2025): number {
  let y: number;
  if (cat === 'CHILD') y = rng.int(2008, 2025);
  else if (cat === 'LAW') y = rng.int(2012, 2025);
  else {
    const r = rng.float();
    if (r < 0.07) y = rng.int(1976, 1989);
    else if (r < 0.25) y = rng.int(1990, 2006);
    else y = rng.int(2007, 2025);
  }
  return y < minYear || y > maxYear ? rng.int(minYear, maxYear) : y;
}

function genEdition(rng: Rng, year: number): string | undefined {
  if (year < 1995) return undefined;
  const r = rng.float();
  if (r < 0.18) return `Tái bản lần thứ ${rng.int(1, 6)}`;
  if (r < 0.23) return 'In lần thứ 2';
  if (r < 0.26) return 'Tái bản có sửa chữa, bổ sung';
  return undefined;
}

/**
 * Pick `n` topic × template combinations in a shuffled order, at most `perTopic` per topic and
 * `perTemplate` per template so that no phrasing dominates.
 */
function combos(rng: Rng, topics: readonly Topic[], templates: readonly Template[], n: number, perTopic: number, perTemplate: number) {
  const all: Array<{ topic: Topic; tpl: Template }> = [];
  for (const topic of topics) {
    for (const tpl of templates) if (!tpl.only || tpl.only === topic.k) all.push({ topic, tpl });
  }
  const byTopic = new Map<Topic, number>();
  const byTemplate = new Map<Template, number>();
  const out: Array<{ topic: Topic; tpl: Template }> = [];
  for (const c of rng.shuffle(all)) {
    if (out.length >= n) break;
    const k = byTopic.get(c.topic) ?? 0;
    const t = byTemplate.get(c.tpl) ?? 0;
    if (k >= perTopic || t >= perTemplate) continue;
    byTopic.set(c.topic, k + 1);
    byTemplate.set(c.tpl, t + 1);
    out.push(c);
  }
  return out;
}

interface PeoplePools {
  byCat: Map<Category, string[]>;
  illustrators: string[];
}

function fromTitleSpec(rng: Rng, spec: TitleSpec, pools: PeoplePools): RecordSpec {
  const pool = pools.byCat.get(spec.cat) ?? pools.byCat.get('GENERAL')!;
  const year = genYear(rng, spec.cat, spec.minYear, spec.maxYear);
  const out: RecordSpec = {
    t: spec.t,
    st: spec.st,
    pub: rng.pick(spec.pubs),
    y: year,
    edn: genEdition(rng, year),
    subj: spec.subj,
    ddc: spec.ddc,
    d: spec.d,
    cat: spec.cat,
    school: spec.school,
    museum: spec.museum,
    ref: spec.ref,
  };
  const people = spec.people ?? 'author';
  const first = rng.pick(pool);
  const second = rng.pick(pool.filter((p) => p !== first));
  if (people === 'author') out.a = rng.chance(0.2) ? [first, second] : [first];
  else if (people === 'editor') out.ed = rng.chance(0.4) ? [first, second] : [first];
  else if (people === 'retold') {
    out.a = [first];
    out.il = [rng.pick(pools.illustrators)];
  } else out.ed = [spec.corporate ?? first];
  return out;
}

function topicSpec(
  rng: Rng,
  c: { topic: Topic; tpl: Template },
  cat: Category,
  subj: string[],
  pubs: PublisherKey[],
  pools: PeoplePools,
): RecordSpec {
  return fromTitleSpec(
    rng,
    {
      t: c.tpl.t(c.topic.n),
      ddc: c.topic.ddc,
      subj,
      d: c.tpl.d(c.topic.n),
      cat,
      pubs,
      people: rng.chance(0.15) ? 'editor' : 'author',
      minYear: Math.max(c.topic.minYear ?? 1950, c.tpl.minYear ?? 1950),
    },
    pools,
  );
}

/** The full list of record specs: curated ones first, then generated ones in category blocks. */
function allSpecs(rng: Rng): RecordSpec[] {
  const usedNames = new Set<string>();
  const pools: PeoplePools = {
    byCat: new Map<Category, string[]>([
      ['AGRI', makePeople(rng, 10, usedNames)],
      ['LAW', makePeople(rng, 8, usedNames)],
      ['CHILD', makePeople(rng, 10, usedNames)],
      ['HIST', makePeople(rng, 8, usedNames)],
      ['LOCAL', makePeople(rng, 9, usedNames)],
      ['GENERAL', makePeople(rng, 16, usedNames)],
    ]),
    illustrators: makePeople(rng, 6, usedNames),
  };

  const specs: RecordSpec[] = [...CURATED_RECORDS];

  for (const t of CHILD_TITLES) specs.push(fromTitleSpec(rng, t, pools));
  for (const t of HIST_TITLES) specs.push(fromTitleSpec(rng, t, pools));
  for (const t of LOCAL_TITLES) specs.push(fromTitleSpec(rng, t, pools));

  for (const t of AGRI_FIXED) specs.push(fromTitleSpec(rng, t, pools));
  for (const c of combos(rng, PLANTS, PLANT_TEMPLATES, 26, 3, 4)) {
    specs.push(topicSpec(rng, c, 'AGRI', ['Nông nghiệp', 'Trồng trọt', c.topic.s], ['NN', 'NN', 'NNHCM', 'KHKT', 'TN'], pools));
  }
  for (const c of combos(rng, ANIMALS, ANIMAL_TEMPLATES, 20, 3, 5)) {
    const subj = c.topic.k === 'aqua' ? ['Thủy sản', 'Nuôi trồng thủy sản', c.topic.s] : ['Nông nghiệp', 'Chăn nuôi', c.topic.s];
    specs.push(topicSpec(rng, c, 'AGRI', subj, ['NN', 'NN', 'NNHCM', 'KHKT'], pools));
  }

  for (const c of combos(rng, LAW_TOPICS, LAW_TEMPLATES, 20, 2, 6)) {
    const spec = topicSpec(rng, c, 'LAW', ['Pháp luật', c.topic.s, 'Phổ biến pháp luật'], ['TP', 'TP', 'CTQG', 'LD'], pools);
    if (rng.chance(0.25)) {
      spec.a = undefined;
      spec.ed = ['Bộ Tư pháp'];
    }
    specs.push(spec);
  }

  for (const t of GENERAL_TITLES) specs.push(fromTitleSpec(rng, t, pools));
  return specs;
}

/** Letters only, no diacritics, for call-number cutters. */
function ascii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^A-Za-z ]/g, ' ');
}

/**
 * Vietnamese-library style cutter: two letters of the author's family name and the initial of the
 * given name ("895.9221 NG-D" for Nguyễn Du). Western names use the family name and the title
 * initial; works without a personal author use the first words of the title.
 */
function cutterOf(spec: RecordSpec): string {
  const words = (s: string) => ascii(s).split(/\s+/).filter(Boolean);
  const titleWords = words(spec.t.replace(/^(the|a|an|le|la|les|l[’'])\s*/i, ''));
  const author = spec.a?.[0];
  let head: string;
  let tail: string;
  if (author) {
    const w = words(author);
    if (spec.western) {
      head = w[w.length - 1];
      tail = titleWords[0] ?? '';
    } else {
      head = w[0];
      tail = w[w.length - 1];
    }
  } else {
    head = titleWords[0] ?? 'X';
    tail = titleWords[1] ?? '';
  }
  const h = head.slice(0, 2).toUpperCase();
  const t = tail.charAt(0).toUpperCase();
  return t ? `${h}-${t}` : h;
}

function buildRecord(rng: Rng, spec: RecordSpec, usedIsbns: Set<string>, usedIssns: Set<string>): DemoRecord {
  const publisher: DemoPublisher | null = spec.pub ? PUBLISHERS[spec.pub] : null;
  const format = spec.f ?? 'BOOK';
  const language = spec.lang ?? 'vie';
  const year = spec.y ?? null;

  const contributors: DemoContributor[] = [
    ...(spec.a ?? []).map((name) => ({ name, role: 'author' })),
    ...(spec.ed ?? []).map((name) => ({ name, role: 'editor' })),
    ...(spec.tr ?? []).map((name) => ({ name, role: 'translator' })),
    ...(spec.il ?? []).map((name) => ({ name, role: 'illustrator' })),
  ];

  let isbnCount = 0;
  const prefix = publisher?.isbn ?? null;
  if (prefix && year !== null && (format === 'BOOK' || format === 'MAP' || format === 'AUDIO')) {
    const mode = spec.isbn;
    if (mode === 'two') isbnCount = 2;
    else if (mode === 'one') isbnCount = 1;
    else if (mode === 'none') isbnCount = 0;
    else if (language !== 'vie') isbnCount = 1;
    else if (year < 1990) isbnCount = 0;
    else if (year < 2005) isbnCount = rng.chance(0.6) ? 1 : 0;
    else isbnCount = 1;
  }
  const isbns: string[] = [];
  for (let i = 0; i < isbnCount; i++) isbns.push(mintIsbn(rng, prefix!, usedIsbns));

  let issn: string | null = null;
  if (spec.issn === 'auto') issn = mintIssn(rng, usedIssns);
  else if (typeof spec.issn === 'string') {
    issn = spec.issn;
    usedIssns.add(issn);
  }

  return {
    title: spec.t,
    subtitle: spec.st ?? null,
    contributors,
    publisher: publisher?.name ?? null,
    place: publisher?.place ?? null,
    year,
    edition: spec.edn ?? null,
    isbns,
    issn,
    language,
    subjects: [...spec.subj],
    ddc: spec.ddc,
    format,
    description: spec.d ?? null,
  };
}

// ------------------------------------------------------------------------------ holdings

const RURAL_DISTRICTS = new Set(['BDI-TP', 'BDI-PC', 'BDI-PM', 'BDI-TS', 'BDI-VT', 'BDI-VC', 'BDI-AL', 'BDI-HA']);

interface Holding {
  lib: DemoLibrary;
  copies: number;
}

/** Probability that a library of this kind holds a record of this category. */
function holdProbability(lib: DemoLibrary, m: RecordMeta, rec: DemoRecord): number {
  switch (lib.kind) {
    case 'PROVINCIAL':
      return 1; // decided separately
    case 'DISTRICT':
      if (m.cat === 'MANUSCRIPT') return 0;
      if (m.everywhere) return 1;
      if (m.pop) return 0.8;
      switch (m.cat) {
        case 'LIT':
          return 0.16;
        case 'FOREIGN':
          return lib.code === 'BDI-QN' ? 0.3 : 0;
        case 'CHILD':
          return 0.2;
        case 'HIST':
          return 0.1;
        case 'LOCAL':
          return m.rare ? 0 : 0.2;
        case 'AGRI':
          return RURAL_DISTRICTS.has(lib.code) ? 0.22 : 0.06;
        case 'LAW':
          return 0.15;
        case 'REF':
          return m.rare ? 0 : 0.12;
        case 'SERIAL':
          return 0.25;
        case 'MEDIA':
          return rec.format === 'MAP' ? 0.3 : 0.05;
        default:
          return 0.1;
      }
    case 'COMMUNE':
      if (m.rare || m.cat === 'MANUSCRIPT' || m.cat === 'FOREIGN' || m.cat === 'REF') return 0;
      if (m.pop) return m.cat === 'SERIAL' ? 0.6 : 0.3;
      switch (m.cat) {
        case 'AGRI':
          return 0.2;
        case 'LAW':
          return 0.15;
        case 'CHILD':
          return 0.15;
        case 'SERIAL':
          return rec.title === 'Nông nghiệp Việt Nam' ? 0.6 : 0;
        case 'LIT':
          return 0.05;
        case 'LOCAL':
        case 'GENERAL':
          return 0.05;
        default:
          return 0.02;
      }
    case 'SCHOOL': {
      if (m.rare || m.cat === 'MANUSCRIPT') return 0;
      const primary = lib.code === 'BDI-HN-TH1';
      if (primary) return m.cat === 'CHILD' ? 0.55 : 0;
      if (m.cat === 'FOREIGN') return lib.code === 'BDI-QN-LQD' && rec.language === 'eng' ? 0.4 : 0;
      if (m.school) return m.everywhere ? 1 : m.pop ? 0.6 : m.cat === 'CHILD' ? 0.3 : 0.3;
      return m.cat === 'LIT' || m.cat === 'HIST' ? 0.03 : 0;
    }
    case 'SPECIALIZED':
      return m.museum ? 0.85 : 0;
  }
}

function holdingsFor(rng: Rng, libs: readonly DemoLibrary[], m: RecordMeta, rec: DemoRecord): Holding[] {
  const pl = libs.find((l) => l.kind === 'PROVINCIAL')!;
  const museum = libs.find((l) => l.kind === 'SPECIALIZED')!;
  const out: Holding[] = [];

  if (m.cat === 'MANUSCRIPT') {
    out.push({ lib: m.museum ? museum : pl, copies: 1 });
    return out;
  }

  // Provincial library: nearly everything, popular titles in several copies.
  const plHolds = m.cat === 'LOCAL' || m.cat === 'FOREIGN' || m.cat === 'REF' || m.cat === 'SERIAL' || m.cat === 'MEDIA' || m.rare || rng.chance(0.93);
  if (plHolds) {
    let copies = m.pop ? rng.int(2, 3) : rng.chance(0.3) ? 2 : 1;
    if (m.cat === 'LOCAL' && !m.rare) copies = 2;
    if (m.rare || m.cat === 'MEDIA' || m.cat === 'FOREIGN') copies = 1;
    out.push({ lib: pl, copies });
  }

  for (const lib of libs) {
    if (lib.kind === 'PROVINCIAL') continue;
    const p = holdProbability(lib, m, rec);
    if (p > 0 && rng.chance(p)) {
      const copies = lib.kind === 'DISTRICT' && m.pop && rng.chance(0.2) ? 2 : 1;
      out.push({ lib, copies });
    }
  }

  // Ordinary titles: 1 to 6 copies in the whole network.
  if (!m.pop) {
    let total = out.reduce((s, h) => s + h.copies, 0);
    while (total > 6) {
      const others = out.filter((h) => h.lib !== pl);
      const victim = others.length > 0 ? rng.pick(others) : out[0];
      victim.copies--;
      if (victim.copies === 0) out.splice(out.indexOf(victim), 1);
      total--;
    }
  }
  if (out.length === 0) out.push({ lib: pl, copies: 1 });
  return out;
}

interface Shelf {
  location: string | null;
  loanable: boolean;
}

function shelfFor(rng: Rng, lib: DemoLibrary, m: RecordMeta, rec: DemoRecord, copy: number, copies: number): Shelf {
  const av = rec.format === 'AUDIO' || rec.format === 'VIDEO' || rec.format === 'DIGITAL' || rec.format === 'OTHER';
  switch (lib.kind) {
    case 'PROVINCIAL':
      if (m.cat === 'MANUSCRIPT' || m.rare) return { location: 'Kho lưu trữ', loanable: false };
      if (m.cat === 'SERIAL') return { location: 'Phòng báo - tạp chí', loanable: false };
      if (rec.format === 'MAP') return { location: 'Phòng đọc tổng hợp', loanable: false };
      if (av) return { location: 'Phòng đa phương tiện', loanable: rec.format === 'AUDIO' || rec.format === 'VIDEO' };
      if (m.cat === 'LOCAL') {
        if (copy === 0) return { location: 'Phòng đọc địa chí', loanable: false };
        return m.ref ? { location: 'Kho lưu trữ', loanable: false } : { location: 'Kho mở tầng 1', loanable: true };
      }
      if (m.cat === 'REF' || m.ref) return { location: 'Phòng đọc tổng hợp', loanable: false };
      if (m.pop && copies >= 3 && copy === 0) return { location: 'Phòng đọc tổng hợp', loanable: false };
      if (m.cat === 'FOREIGN') return { location: 'Phòng ngoại văn', loanable: true };
      if (m.cat === 'CHILD') return { location: 'Phòng thiếu nhi', loanable: true };
      if (m.cat === 'LIT' || m.cat === 'HIST') return { location: 'Kho mở tầng 1', loanable: true };
      return { location: 'Kho mở tầng 2', loanable: true };
    case 'DISTRICT':
      if (m.cat === 'SERIAL') return { location: 'Phòng đọc báo', loanable: false };
      if (m.cat === 'LOCAL') return { location: 'Tủ sách địa chí', loanable: false };
      if (m.cat === 'REF' || m.ref || rec.format === 'MAP') return { location: 'Phòng đọc tổng hợp', loanable: false };
      if (m.cat === 'CHILD') return { location: 'Phòng thiếu nhi', loanable: true };
      return { location: 'Kho mượn', loanable: true };
    case 'COMMUNE':
      if (m.cat === 'SERIAL') return { location: 'Tủ báo', loanable: false };
      if (rng.chance(0.15)) return { location: null, loanable: true };
      return { location: m.cat === 'CHILD' ? 'Góc thiếu nhi' : 'Tủ sách chung', loanable: true };
    case 'SCHOOL':
      if (m.cat === 'SERIAL') return { location: 'Phòng đọc học sinh', loanable: false };
      if (m.cat === 'REF' || m.ref || rec.format === 'MAP') return { location: 'Tủ sách giáo viên', loanable: false };
      if (m.cat === 'GENERAL' || m.cat === 'HIST') return { location: 'Tủ sách tham khảo', loanable: true };
      if (m.cat === 'LIT' || m.cat === 'FOREIGN') return { location: 'Tủ sách văn học', loanable: true };
      return { location: 'Phòng đọc học sinh', loanable: true };
    case 'SPECIALIZED':
      if (m.cat === 'MANUSCRIPT') return { location: 'Kho tư liệu Hán Nôm', loanable: false };
      if (av) return { location: 'Phòng tư liệu nghe nhìn', loanable: false };
      return { location: 'Kho tư liệu', loanable: false };
  }
}

function callNumberFor(m: RecordMeta, rec: DemoRecord, manuscriptNo: () => number): string | null {
  if (rec.format === 'MANUSCRIPT') return `HN.${String(manuscriptNo()).padStart(4, '0')}`;
  if (rec.ddc === null) return null;
  return `${rec.ddc} ${m.cutter}`;
}

const NOTES = {
  MISSING: ['Không tìm thấy khi kiểm kê kho năm 2024', 'Bạn đọc báo mất, đang chờ bồi hoàn'],
  DAMAGED: ['Rách bìa, bong gáy; chờ đóng lại', 'Bị ẩm mốc sau đợt lũ tháng 11/2023', 'Mất trang 45-52, chờ photo bổ sung'],
  IN_PROCESSING: ['Đang biên mục', 'Đang dán nhãn, bọc bìa'],
  IN_TRANSIT: ['Đang luân chuyển trong mạng lưới', 'Đang chuyển trả về thư viện sở hữu'],
  GIFT: ['Sách biếu của tác giả', 'Sách tặng của Quỹ Sách cộng đồng', 'Nhận từ chương trình luân chuyển sách của Thư viện tỉnh'],
};

function statusFor(rng: Rng, loanable: boolean, lendable: boolean): ItemStatus {
  const r = rng.float();
  if (!loanable) {
    if (r < 0.95) return 'AVAILABLE';
    if (r < 0.97) return 'IN_PROCESSING';
    if (r < 0.99) return 'DAMAGED';
    return 'MISSING';
  }
  if (r < 0.79) return 'AVAILABLE';
  if (r < 0.93) return 'ON_LOAN';
  if (r < 0.945) return lendable ? 'IN_TRANSIT' : 'AVAILABLE';
  if (r < 0.96) return 'ON_HOLD_SHELF';
  if (r < 0.975) return 'IN_PROCESSING';
  if (r < 0.985) return 'MISSING';
  if (r < 0.997) return 'DAMAGED';
  return 'WITHDRAWN';
}

function notesFor(rng: Rng, status: ItemStatus, lib: DemoLibrary, m: RecordMeta, rec: DemoRecord): string | null {
  if (status === 'WITHDRAWN') {
    const outdated = m.cat === 'LAW' || m.cat === 'AGRI' || m.cat === 'GENERAL';
    return outdated ? 'Thanh lý năm 2024: tài liệu lạc hậu, đã có bản mới' : 'Thanh lý năm 2023 do hư hỏng nặng';
  }
  switch (status) {
    case 'MISSING':
    case 'DAMAGED':
    case 'IN_PROCESSING':
    case 'IN_TRANSIT':
      return rng.pick(NOTES[status]);
    default:
      break;
  }
  if (m.cat === 'MANUSCRIPT') return 'Tài liệu gốc, chỉ phục vụ đọc tại chỗ; đã số hóa';
  if (m.rare) return 'Sách quý hiếm, không phục vụ mượn về nhà';
  if (rec.format === 'SERIAL') return rec.issn === null ? 'Lưu đủ các số từ năm 2010' : 'Bộ đóng tập theo quý';
  if (lib.kind === 'COMMUNE' && rng.chance(0.3)) return 'Nhận từ chương trình luân chuyển sách của Thư viện tỉnh';
  if (rec.language === 'vie' && rec.format === 'BOOK' && rng.chance(0.03)) return rng.pick(NOTES.GIFT);
  return null;
}

// ------------------------------------------------------------------------------ entry point

/** The demo network. Deterministic: every call returns an equal, freshly allocated value. */
export function demoNetwork(): DemoNetwork {
  const rng = new Rng(SEED);
  const libraries: DemoLibrary[] = DEMO_LIBRARIES.map((l) => ({ ...l }));

  const specs = allSpecs(rng);
  const usedIsbns = new Set<string>();
  const usedIssns = new Set<string>();
  const records: DemoRecord[] = [];
  const metas: RecordMeta[] = [];
  for (const spec of specs) {
    records.push(buildRecord(rng, spec, usedIsbns, usedIssns));
    metas.push({
      cat: spec.cat,
      pop: spec.pop ?? false,
      rare: spec.rare ?? false,
      ref: spec.ref ?? false,
      school: spec.school ?? false,
      museum: spec.museum ?? false,
      everywhere: spec.everywhere ?? false,
      cutter: cutterOf(spec),
    });
  }

  const counters = new Map<string, number>();
  let manuscripts = 0;
  const manuscriptNo = () => ++manuscripts;
  const items: DemoItem[] = [];
  records.forEach((rec, recordIndex) => {
    const m = metas[recordIndex];
    const callNumber = callNumberFor(m, rec, manuscriptNo);
    for (const h of holdingsFor(rng, libraries, m, rec)) {
      for (let copy = 0; copy < h.copies; copy++) {
        const n = (counters.get(h.lib.code) ?? 0) + 1;
        counters.set(h.lib.code, n);
        const shelf = shelfFor(rng, h.lib, m, rec, copy, h.copies);
        const lendable =
          h.lib.lendsToNetwork && shelf.loanable && !m.rare && !(h.lib.kind === 'DISTRICT' && rng.chance(0.05));
        const status = statusFor(rng, shelf.loanable, lendable);
        items.push({
          recordIndex,
          libraryCode: h.lib.code,
          barcode: `${h.lib.code}-${String(n).padStart(6, '0')}`,
          location: shelf.location,
          callNumber,
          status,
          loanable: shelf.loanable,
          lendable: status === 'WITHDRAWN' ? false : lendable,
          notes: notesFor(rng, status, h.lib, m, rec),
        });
      }
    }
  });

  return { libraries, records, items };
}
