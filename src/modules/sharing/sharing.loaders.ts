import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { fromRow } from '../../db/rows';
import { pgArray, query } from '../../db/sql';
import { Library } from '../libraries/library.entity';
import { IllRequest } from './ill-request.entity';
import { REQUEST_COLUMNS, mapRequest } from './ill.core';
import { IllAction, IllState } from './ill.state-machine';
import { IllDistance, IllHistoryEntryType, IllRotaEntryType, IllRotaStatus, IllUnfilledReason } from './ill.types';

/** Timestamps of raw rows come as text (MikroORM leaves the mapping to itself). */
const time = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

function group<T>(ids: readonly number[], rows: T[], key: (r: T) => number): T[][] {
  const map = new Map<number, T[]>();
  for (const r of rows) {
    const list = map.get(key(r)) ?? [];
    list.push(r);
    map.set(key(r), list);
  }
  return ids.map((id) => map.get(id) ?? []);
}

/** Per-request loaders for resource sharing: a page of requests costs one statement per relation. */
export function createSharingLoaders(em: EntityManager, libraryById: DataLoader<number, Library | null>) {
  const illRequestById = new DataLoader<number, IllRequest | null>(async (ids) => {
    const rows = await query<Record<string, unknown>>(em, `select ${REQUEST_COLUMNS} from ill_requests where id = any(?)`, [pgArray(em, ids, 'bigint')]);
    const map = new Map(rows.map((r) => mapRequest(em, r)).map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });

  const illRota = new DataLoader<number, (IllRotaEntryType & { requestId: number })[]>(async (ids) => {
    const rows = await query<Record<string, unknown>>(
      em,
      `select e.request_id, e.position, e.library_id, e.available_copies, e.open_requests, e.distance, e.rank_reason, e.status, e.reason,
              e.note, e.asked_at, e.answered_at, to_jsonb(l) - 'search_text' lib
         from ill_rota_entries e join libraries l on l.id = e.library_id
        where e.request_id = any(?) order by e.request_id, e.position`,
      [pgArray(em, ids, 'bigint')],
    );
    // the rota's libraries come with it: a page of requests costs no extra statement for them
    for (const r of rows) {
      const lib = fromRow(em, Library, r.lib as Record<string, unknown>);
      libraryById.prime(lib.id, lib);
    }
    const entries = rows.map((r) => ({
      requestId: Number(r.request_id),
      position: Number(r.position),
      libraryId: Number(r.library_id),
      availableCopies: Number(r.available_copies),
      openLendingRequests: Number(r.open_requests),
      distance: r.distance as IllDistance,
      rankReason: r.rank_reason as string,
      status: r.status as IllRotaStatus,
      reason: (r.reason as IllUnfilledReason | null) ?? null,
      note: (r.note as string | null) ?? null,
      askedAt: time(r.asked_at),
      answeredAt: time(r.answered_at),
    }));
    return group(ids, entries, (e) => e.requestId);
  });

  const illHistory = new DataLoader<number, (IllHistoryEntryType & { requestId: number })[]>(async (ids) => {
    const rows = await query<Record<string, unknown>>(
      em,
      `select h.id, h.request_id, h.at, h.action, h.side, h.library_id, h.lender_id, a.username actor, h.is_message, h.note,
              h.requester_state_before, h.requester_state, h.supplier_state_before, h.supplier_state
         from ill_history h left join accounts a on a.id = h.actor_account_id
        where h.request_id = any(?) order by h.request_id, h.id`,
      [pgArray(em, ids, 'bigint')],
    );
    const entries = rows.map((r) => ({
      requestId: Number(r.request_id),
      id: String(r.id),
      at: time(r.at)!,
      action: r.action === 'CREATE' ? null : (r.action as IllAction),
      side: r.side as string,
      libraryId: r.library_id === null ? null : Number(r.library_id),
      lenderId: r.lender_id === null ? null : Number(r.lender_id),
      actor: (r.actor as string | null) ?? null,
      isMessage: Boolean(r.is_message),
      note: (r.note as string | null) ?? null,
      requesterStateBefore: (r.requester_state_before as IllState | null) ?? null,
      requesterState: r.requester_state as IllState,
      supplierStateBefore: (r.supplier_state_before as IllState | null) ?? null,
      supplierState: (r.supplier_state as IllState | null) ?? null,
    }));
    return group(ids, entries, (e) => e.requestId);
  });

  /** Messages from other libraries a library has not marked read, by "requestId:libraryId". */
  const illUnread = new DataLoader<string, number>(async (keys) => {
    const pairs = keys.map((k) => k.split(':').map(Number));
    const rows = await query<{ request_id: string; library_id: string; n: string }>(
      em,
      `select k.r request_id, k.l library_id, count(h.id) n
         from unnest(?::bigint[], ?::bigint[]) k(r, l)
         left join ill_message_reads m on m.request_id = k.r and m.library_id = k.l
         left join ill_history h on h.request_id = k.r and h.is_message and h.library_id is distinct from k.l
                                and h.id > coalesce(m.last_read_id, 0)
        group by k.r, k.l`,
      [pgArray(em, pairs.map((p) => p[0]), 'bigint'), pgArray(em, pairs.map((p) => p[1]), 'bigint')],
    );
    const map = new Map(rows.map((r) => [`${r.request_id}:${r.library_id}`, Number(r.n)]));
    return keys.map((k) => map.get(k) ?? 0);
  });

  return { illRequestById, illRota, illHistory, illUnread };
}
