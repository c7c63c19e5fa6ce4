import { badInput } from './errors';

/* eslint-disable no-control-regex */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface TextRule {
  field: string;
  max: number;
  /** Allow line breaks and tabs (descriptions, notes). */
  multiline?: boolean;
}

/**
 * Every stored or searched text goes through here: NFC, trimmed, no control characters or broken
 * UTF-16, bounded length. Returns null for empty input.
 */
export function cleanText(value: string | null | undefined, rule: TextRule): string | null {
  if (value === null || value === undefined) return null;
  // NFC shortens text by at most a few code units per character: far longer input is refused unread
  // (a 1 MB variable costs no normalisation and no regular expression)
  if (value.length > rule.max * 4 + 64) throw badInput(`${rule.field} is longer than ${rule.max} characters`, rule.field);
  if (LONE_SURROGATE.test(value)) throw badInput(`${rule.field} is not valid Unicode text`, rule.field);
  let v = value.normalize('NFC').trim();
  if (!rule.multiline) v = v.replace(/[\t\r\n]+/g, ' ');
  if (CONTROL.test(v)) throw badInput(`${rule.field} contains control characters`, rule.field);
  if (v.length > rule.max) throw badInput(`${rule.field} is longer than ${rule.max} characters`, rule.field);
  return v === '' ? null : v;
}

export function requireText(value: string | null | undefined, rule: TextRule): string {
  const v = cleanText(value, rule);
  if (v === null) throw badInput(`${rule.field} must not be empty`, rule.field);
  return v;
}

/** Folding as the database does it (sn_fold), for comparisons made in code. */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .normalize('NFC');
}
