import { badInput } from './errors';

/** Types that have global ids; `node(id)` resolves each of them. */
export type NodeTypeName = 'Library' | 'BibliographicRecord' | 'Item' | 'StaffAccount' | 'Patron' | 'Loan' | 'Hold' | 'Transit' | 'IllRequest';
const NODE_TYPES: ReadonlySet<string> = new Set<NodeTypeName>([
  'Library',
  'BibliographicRecord',
  'Item',
  'StaffAccount',
  'Patron',
  'Loan',
  'Hold',
  'Transit',
  'IllRequest',
]);

/** Opaque global id: base64url of `Type:localId`. Clients must not parse it. */
export function toGlobalId(type: NodeTypeName, id: number): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

export interface DecodedId {
  type: NodeTypeName;
  id: number;
}

export function decodeGlobalId(gid: string, field = 'id'): DecodedId {
  if (typeof gid !== 'string' || gid.length === 0 || gid.length > 100 || !/^[A-Za-z0-9_-]+$/.test(gid)) {
    throw badInput(`${field} is not a valid id`, field);
  }
  const raw = Buffer.from(gid, 'base64url').toString('utf8');
  const m = /^([A-Za-z]+):([1-9][0-9]{0,15})$/.exec(raw);
  if (!m || !NODE_TYPES.has(m[1]) || !Number.isSafeInteger(Number(m[2]))) {
    throw badInput(`${field} is not a valid id`, field);
  }
  return { type: m[1] as NodeTypeName, id: Number(m[2]) };
}

/** Decodes an id that must be of one type. */
export function decodeIdOf(type: NodeTypeName, gid: string, field = 'id'): number {
  const d = decodeGlobalId(gid, field);
  if (d.type !== type) throw badInput(`${field} is not the id of a ${type}`, field);
  return d.id;
}
