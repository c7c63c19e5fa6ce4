import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, preparedQuery, query } from '../../db/sql';
import { LENDER_OPEN } from './ill.state-machine';

/** Most lenders a rota lists: beyond that a request would wait weeks on answers anyway. */
export const MAX_ROTA = 25;

export interface RotaCandidate {
  position: number;
  libraryId: number;
  availableCopies: number;
  openLendingRequests: number;
  distance: 'SAME_DISTRICT' | 'PROVINCIAL' | 'OTHER_DISTRICT' | 'CHOSEN';
  rankReason: string;
}

const DISTANCE_WORDS: Record<RotaCandidate['distance'], string> = {
  SAME_DISTRICT: 'same district',
  PROVINCIAL: 'the provincial library',
  OTHER_DISTRICT: 'another district',
  CHOSEN: 'named by the borrower',
};

function reason(c: Omit<RotaCandidate, 'rankReason' | 'position'>): string {
  if (c.distance === 'CHOSEN') return 'named by the borrower';
  const copies = `${c.availableCopies} lendable ${c.availableCopies === 1 ? 'copy' : 'copies'} on the shelf`;
  const load = `${c.openLendingRequests} open lending ${c.openLendingRequests === 1 ? 'request' : 'requests'}`;
  return `${DISTANCE_WORDS[c.distance]}; ${load}; ${copies}`;
}

/**
 * The rota for a record, built from the union catalog: every other library that lends to the network
 * and has a lendable, loanable copy on its shelf now, ranked by
 *   1. network distance — the borrower's own district first (its district library and that district's
 *      commune and school libraries), then the provincial library, then other districts: the copy
 *      travels less and arrives sooner;
 *   2. lender load — fewest open lending requests first, so work spreads over the network;
 *   3. available copies — more first: lending one of several hurts the lender's own readers least;
 *   4. library code, so the order is stable.
 * Each entry says why in `rankReason`.
 */
export async function buildRota(em: EntityManager, recordId: number, requestingLibraryId: number): Promise<RotaCandidate[]> {
  const rows = await preparedQuery<{ library_id: string; avail: number; open_requests: number; distance: RotaCandidate['distance'] }>(
    em,
    `with recursive cand as (
       select i.library_id, count(*)::int avail
         from items i join libraries l on l.id = i.library_id
        where i.record_id = ? and i.status = 'AVAILABLE' and i.lendable and i.loanable and l.lends_to_network and i.library_id <> ?
        group by i.library_id
     ), up as (
       select l.id start, l.id, l.parent_id, l.kind, 0 depth from libraries l where l.id = ? or l.id in (select library_id from cand)
       union all
       select up.start, p.id, p.parent_id, p.kind, up.depth + 1 from up join libraries p on p.id = up.parent_id where up.depth < 8
     ), district as (
       select start, (array_agg(id order by depth) filter (where kind = 'DISTRICT'))[1] d from up group by start
     ), load as (
       select lender_id, count(*)::int n from ill_requests
        where lender_id in (select library_id from cand) and supplier_state = any(?::text[]) group by lender_id
     ), ranked as (
       select c.library_id, c.avail, coalesce(load.n, 0) open_requests, l.code,
              case when rd.d is not null and cd.d = rd.d then 'SAME_DISTRICT' when l.kind = 'PROVINCIAL' then 'PROVINCIAL' else 'OTHER_DISTRICT' end distance
         from cand c join libraries l on l.id = c.library_id
         left join load on load.lender_id = c.library_id
         left join district cd on cd.start = c.library_id
         left join district rd on rd.start = ?
     )
     select library_id, avail, open_requests, distance from ranked
      order by case distance when 'SAME_DISTRICT' then 0 when 'PROVINCIAL' then 1 else 2 end, open_requests, avail desc, code
      limit ${MAX_ROTA}`,
    [recordId, requestingLibraryId, requestingLibraryId, pgArray(em, LENDER_OPEN, 'text'), requestingLibraryId],
  );
  return rows.map((r, i) => {
    const c = { libraryId: Number(r.library_id), availableCopies: r.avail, openLendingRequests: r.open_requests, distance: r.distance };
    return { ...c, position: i + 1, rankReason: reason(c) };
  });
}

/** A rota of lenders the borrower named, in its order (for citations not in the catalog). */
export async function chosenRota(em: EntityManager, libraryIds: number[]): Promise<RotaCandidate[]> {
  const rows = await query<{ id: string; n: number }>(
    em,
    `select l.id, (select count(*)::int from ill_requests r where r.lender_id = l.id and r.supplier_state = any(?::text[])) n
       from libraries l where l.id = any(?::bigint[])`,
    [pgArray(em, LENDER_OPEN, 'text'), pgArray(em, libraryIds, 'bigint')],
  );
  const load = new Map(rows.map((r) => [Number(r.id), r.n]));
  return libraryIds.map((libraryId, i) => ({
    position: i + 1,
    libraryId,
    availableCopies: 0,
    openLendingRequests: load.get(libraryId) ?? 0,
    distance: 'CHOSEN' as const,
    rankReason: reason({ libraryId, availableCopies: 0, openLendingRequests: 0, distance: 'CHOSEN' }),
  }));
}
