import { badInput } from '../../common/errors';
import { cleanText } from '../../common/text';
import type { DescriptionInput, LicenceInput } from './eresources.types';

export interface Description {
  title: string | null;
  creators: string[];
  subjects: string[];
  description: string | null;
  publisher: string | null;
  contributors: string[];
  date: string | null;
  type: string | null;
  format: string | null;
  identifiers: string[];
  source: string | null;
  language: string | null;
  relations: string[];
  coverage: string | null;
  rights: string | null;
}

/** Column of each description field. */
export const DESCRIPTION_COLUMNS: Record<keyof Description, string> = {
  title: 'title',
  creators: 'creators',
  subjects: 'subjects',
  description: 'description',
  publisher: 'publisher',
  contributors: 'contributors',
  date: 'dc_date',
  type: 'dc_type',
  format: 'dc_format',
  identifiers: 'identifiers',
  source: 'source',
  language: 'language',
  relations: 'relations',
  coverage: 'coverage',
  rights: 'rights',
};

const LISTS: Record<string, number> = { creators: 50, subjects: 50, contributors: 50, identifiers: 20, relations: 20 };
const TEXTS: Record<string, { max: number; multiline?: boolean }> = {
  title: { max: 2000 },
  description: { max: 20_000, multiline: true },
  publisher: { max: 500 },
  source: { max: 2000 },
  coverage: { max: 500 },
  rights: { max: 2000, multiline: true },
  type: { max: 100 },
};

function w3cdtf(v: string, field: string): string {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(v);
  if (!m) throw badInput(`${field} must be a W3C-DTF date: yyyy, yyyy-mm or yyyy-mm-dd`, field);
  if (m[2] && (Number(m[2]) < 1 || Number(m[2]) > 12)) throw badInput(`${field} has no such month`, field);
  if (m[3]) {
    const d = new Date(`${v}T00:00:00Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) throw badInput(`${field} has no such day`, field);
  }
  return v;
}

/** Validated description fields: only those present in the input (undefined = leave as is). */
export function parseDescription(input: DescriptionInput, prefix: string): Partial<Description> {
  const out: Partial<Description> = {};
  for (const [key, value] of Object.entries(input) as [keyof Description, unknown][]) {
    if (value === undefined) continue;
    const field = `${prefix}.${key}`;
    if (key in LISTS) {
      const list = (value ?? []) as string[];
      if (!Array.isArray(list)) throw badInput(`${field} must be a list`, field);
      if (list.length > LISTS[key]) throw badInput(`${field} has more than ${LISTS[key]} entries`, field);
      const clean = list.map((s) => cleanText(s, { field, max: 500 })).filter((s): s is string => s !== null);
      (out as Record<string, unknown>)[key] = [...new Set(clean)];
      continue;
    }
    if (value === null) {
      (out as Record<string, unknown>)[key] = null;
      continue;
    }
    if (typeof value !== 'string') throw badInput(`${field} must be text`, field);
    if (key === 'date') out.date = w3cdtf(value.trim(), field);
    else if (key === 'language') {
      const l = value.trim().toLowerCase();
      if (!/^[a-z]{2,3}$/.test(l)) throw badInput(`${field} must be an ISO 639-2 code such as vie`, field);
      out.language = l;
    } else if (key === 'format') {
      const f = value.trim().toLowerCase();
      if (!/^[a-z]+\/[a-z0-9.+-]+$/.test(f)) throw badInput(`${field} must be a media type such as application/pdf`, field);
      out.format = f;
    } else if (key in TEXTS) {
      (out as Record<string, unknown>)[key] = cleanText(value, { field, ...TEXTS[key] });
    } else {
      throw badInput(`${field} is not a description field`, field);
    }
  }
  return out;
}

export interface Licence {
  licenceProvider: string | null;
  licenceStartsOn: string | null;
  licenceEndsOn: string | null;
  licenceConcurrentUsers: number | null;
  licenceOnSiteOnly: boolean;
  licenceNotes: string | null;
}

function isoDay(v: string | null | undefined, field: string): string | null {
  if (v === null || v === undefined || v.trim() === '') return null;
  const s = v.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) !== s) {
    throw badInput(`${field} must be a date yyyy-mm-dd`, field);
  }
  return s;
}

/** Validated licence terms (the whole licence is replaced). */
export function parseLicence(input: LicenceInput, prefix: string): Licence {
  const users = input.concurrentUsers ?? null;
  if (users !== null && (!Number.isInteger(users) || users < 1 || users > 100_000)) {
    throw badInput(`${prefix}.concurrentUsers must be between 1 and 100000`, `${prefix}.concurrentUsers`);
  }
  const l: Licence = {
    licenceProvider: cleanText(input.provider, { field: `${prefix}.provider`, max: 300 }),
    licenceStartsOn: isoDay(input.startsOn, `${prefix}.startsOn`),
    licenceEndsOn: isoDay(input.endsOn, `${prefix}.endsOn`),
    licenceConcurrentUsers: users,
    licenceOnSiteOnly: input.onSiteOnly ?? false,
    licenceNotes: cleanText(input.notes, { field: `${prefix}.notes`, max: 2000, multiline: true }),
  };
  if (l.licenceStartsOn && l.licenceEndsOn && l.licenceEndsOn < l.licenceStartsOn) {
    throw badInput(`${prefix}.endsOn is before startsOn`, `${prefix}.endsOn`);
  }
  return l;
}

export function parseUrl(v: string, field: string): string {
  const s = v.trim();
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw badInput(`${field} is not a URL`, field);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw badInput(`${field} must be an http or https URL`, field);
  if (s.length > 2000) throw badInput(`${field} is longer than 2000 characters`, field);
  return u.toString();
}

/** DCMI Type of a media type. */
export function dcmiType(contentType: string | null): string | null {
  if (!contentType) return null;
  if (contentType.startsWith('image/')) return 'StillImage';
  if (contentType.startsWith('audio/')) return 'Sound';
  if (contentType.startsWith('video/')) return 'MovingImage';
  return 'Text';
}
