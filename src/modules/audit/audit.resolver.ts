import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { badInput, forbidden } from '../../common/errors';
import { NodeTypeName, toGlobalId } from '../../common/ids';
import { decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { cleanText } from '../../common/text';
import { query } from '../../db/sql';
import type { Context } from '../../server/context';
import { LibraryType } from '../libraries/library.types';
import { librariesService } from '../libraries/libraries.service';
import { AuditActorKind, AuditEntryConnection, AuditEntryType, AuditLogFilter } from './audit.types';

const NODE_ENTITIES = new Set<string>(['Library', 'BibliographicRecord', 'Item', 'StaffAccount', 'Patron', 'Loan', 'Hold', 'Transit']);

interface AuditRow extends AuditEntryType {
  libraryId: number | null;
  seq: number;
  key: string;
}

@Resolver(() => AuditEntryType)
export class AuditResolver {
  @Query(() => AuditEntryConnection, {
    description: 'The audit log, newest first (library admins: their library; network admins: every library and the network).',
  })
  async auditLog(
    @Ctx() ctx: Context,
    @Arg('filter', () => AuditLogFilter, { nullable: true, description: 'Library, actor, action and time span.' }) filter: AuditLogFilter | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
  ) {
    const v = ctx.viewer;
    const f = filter ?? {};
    const limit = pageSize(first);
    const cursor = decodeCursor('audit', after);
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.libraryCode) {
      const [lib] = await librariesService.requireCodes(ctx, [f.libraryCode], 'filter.libraryCode');
      if (!v.isAdminOf(lib.id)) throw forbidden(`Only administrators of ${lib.code} read its audit log.`);
      where.push('a.library_id = ?');
      params.push(lib.id);
    } else if (!v.isNetworkAdmin) {
      if (!v.isAdminOf(v.libraryId)) throw forbidden('Only library and network administrators read the audit log.');
      where.push('a.library_id = ?');
      params.push(v.libraryId);
    }
    const actor = cleanText(f.actor, { field: 'filter.actor', max: 100 });
    if (actor) {
      where.push(`(ac.username = lower(?) or p.card_number = upper(?) or 'snk_' || c.key_prefix = lower(?))`);
      params.push(actor, actor, actor);
    }
    const action = cleanText(f.action, { field: 'filter.action', max: 100 });
    if (action) {
      where.push('a.action = ?');
      params.push(action);
    }
    for (const [key, op] of [['from', '>='], ['to', '<']] as const) {
      const t = f[key];
      if (t === null || t === undefined) continue;
      if (Number.isNaN(t.getTime())) throw badInput(`${key} is not a time`, `filter.${key}`);
      where.push(`a.at ${op} ?`);
      params.push(t);
    }
    if (cursor) {
      if (typeof cursor[0] !== 'string' || Number.isNaN(Date.parse(cursor[0])) || !Number.isSafeInteger(cursor[1]) || (cursor[1] as number) < 1) {
        throw badInput('after is not a valid cursor', 'after');
      }
      where.push('(a.at, a.id) < (?::timestamptz, ?)');
      params.push(cursor[0], cursor[1]);
    }
    // the cursor keeps `at` to the microsecond (a JS Date would repeat or skip rows across pages)
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `select a.*, to_char(a.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') at_key,
              ac.username actor_username, p.card_number actor_card, c.name actor_client
         from audit_log a
         left join accounts ac on ac.id = a.actor_account_id
         left join patrons p on p.id = a.actor_patron_id
         left join api_clients c on c.id = a.actor_api_client_id
        ${where.length ? `where ${where.join(' and ')}` : ''}
        order by a.at desc, a.id desc limit ?`,
      [...params, limit + 1],
    );
    const entries: AuditRow[] = rows.map((r) => ({
      id: Buffer.from(`AuditEntry:${r.id}`, 'utf8').toString('base64url'),
      seq: Number(r.id),
      key: String(r.at_key),
      at: new Date(r.at as string),
      action: String(r.action),
      entity: String(r.entity),
      entityId: r.entity_id !== null && NODE_ENTITIES.has(String(r.entity)) ? toGlobalId(r.entity as NodeTypeName, Number(r.entity_id)) : null,
      actorKind: r.actor_account_id ? AuditActorKind.STAFF : r.actor_patron_id ? AuditActorKind.PATRON : r.actor_api_client_id ? AuditActorKind.API_CLIENT : AuditActorKind.SYSTEM,
      actor: (r.actor_username ?? r.actor_card ?? r.actor_client ?? null) as string | null,
      before: r.before,
      after: r.after,
      libraryId: r.library_id === null ? null : Number(r.library_id),
    }));
    return toPage(entries, limit, (e) => encodeCursor('audit', [e.key, e.seq]), (e) => e);
  }

  @FieldResolver(() => LibraryType, { nullable: true, description: 'The library on whose behalf it was done (null: the network).' })
  library(@Root() e: AuditRow, @Ctx() ctx: Context) {
    return e.libraryId === null ? null : ctx.loaders.libraryById.load(e.libraryId);
  }
}
