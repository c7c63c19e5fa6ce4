import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../../db/sql';

export interface Policy {
  id: number;
  libraryId: number | null;
  patronCategory: string | null;
  format: string | null;
  loanDays: number;
  maxRenewals: number;
  maxLoans: number;
  maxHolds: number;
  holdShelfDays: number;
  holdsAllowed: boolean;
  finePerDay: number;
  renewOverdueMaxDays: number;
}

interface PolicyRow {
  id: string;
  library_id: string | null;
  patron_category: string | null;
  format: string | null;
  loan_days: number;
  max_renewals: number;
  max_loans: number;
  max_holds: number;
  hold_shelf_days: number;
  holds_allowed: boolean;
  fine_per_day: number;
  renew_overdue_max_days: number;
}

/**
 * SQL selecting the effective policy row for three SQL expressions (library id, patron category,
 * format): usable on its own or in a LATERAL join, so hot paths get it in the same statement. The rule
 * itself is the database function sn_policy (the desk functions use it too).
 */
export function policySql(library: string, category: string, format: string): string {
  return `select * from sn_policy(${library}, ${category}, ${format})`;
}

/**
 * The effective policy for a library × patron category × format: the most specific row wins
 * (a library's own rows over network rows, then category, then format); the migration seeds the
 * network default (all three null), so there always is one.
 */
export async function effectivePolicy(em: EntityManager, libraryId: number, category: string, format: string): Promise<Policy> {
  const rows = await query<PolicyRow>(
    em,
    policySql('?', '?', '?'),
    [libraryId, category, format],
  );
  const r = rows[0];
  if (!r) throw new Error('no circulation policy: the network default row is missing');
  return {
    id: Number(r.id),
    libraryId: r.library_id === null ? null : Number(r.library_id),
    patronCategory: r.patron_category,
    format: r.format,
    loanDays: r.loan_days,
    maxRenewals: r.max_renewals,
    maxLoans: r.max_loans,
    maxHolds: r.max_holds,
    holdShelfDays: r.hold_shelf_days,
    holdsAllowed: r.holds_allowed,
    finePerDay: r.fine_per_day,
    renewOverdueMaxDays: r.renew_overdue_max_days,
  };
}

/** SQL for "the end of the local day, N days from today" in a library's time zone (sn_end_of_local_day). */
export const END_OF_LOCAL_DAY = 'sn_end_of_local_day(?, ?)';

export function endOfLocalDayParams(timeZone: string, days: number): unknown[] {
  return [timeZone, days];
}
