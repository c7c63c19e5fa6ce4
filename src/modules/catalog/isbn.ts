import ISBN from 'isbn3';

/**
 * ISBN parsing through isbn3 (check digit and registration-group ranges): accepts ISBN-10 or
 * ISBN-13, with or without hyphens or spaces; returns the ISBN-13 digits or null when invalid.
 */
export function normalizeIsbn(input: string): string | null {
  const compact = input.replace(/[\s-]/g, '').toUpperCase();
  if (!/^(\d{9}[\dX]|\d{13})$/.test(compact)) return null;
  const parsed = ISBN.parse(compact);
  if (parsed?.isValid && parsed.isbn13) return parsed.isbn13;
  // isbn3 only knows assigned ranges: a well-formed 978/979 number with a correct check digit from a
  // range it does not know yet is still an ISBN.
  if (compact.length === 13 && /^97[89]/.test(compact) && isbn13CheckOk(compact)) return compact;
  return null;
}

function isbn13CheckOk(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(d[i]) * (i % 2 === 0 ? 1 : 3);
  return sum % 10 === 0;
}

/** Whether a search query is nothing but an ISBN. */
export function isbnQuery(q: string): string | null {
  return /^[\d\s-]{9,20}[\dXx]?$/.test(q.trim()) ? normalizeIsbn(q) : null;
}

/** ISSN: 8 characters, the last a mod-11 check digit (0-9 or X); returned as NNNN-NNNC. */
export function normalizeIssn(input: string): string | null {
  const c = input.replace(/[\s-]/g, '').toUpperCase();
  if (!/^\d{7}[\dX]$/.test(c)) return null;
  let sum = 0;
  for (let i = 0; i < 7; i++) sum += Number(c[i]) * (8 - i);
  const check = (11 - (sum % 11)) % 11;
  if ((check === 10 ? 'X' : String(check)) !== c[7]) return null;
  return `${c.slice(0, 4)}-${c.slice(4)}`;
}
