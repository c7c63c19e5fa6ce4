import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, forbidden, unauthenticated } from '../../common/errors';
import { decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { decodeIdOf } from '../../common/ids';
import { query } from '../../db/sql';
import type { Context } from '../../server/context';
import { librariesService } from '../libraries/libraries.service';
import { EResource } from './eresource.entity';
import { CounterMetric } from './eresources.types';
import { runtime } from './runtime';

export enum UsageAction {
  INVESTIGATION = 'INVESTIGATION',
  REQUEST = 'REQUEST',
  NO_LICENSE = 'NO_LICENSE',
  LIMIT_EXCEEDED = 'LIMIT_EXCEEDED',
}

/** COUNTER's double-click rule: the same action on the same item in one session within 30 s counts once. */
const DOUBLE_CLICK_SECONDS = 30;

/** An IPv4 client seen through an IPv6 socket ("::ffff:10.1.2.3") is that IPv4 address. */
export function clientIp(address: string | null): string | null {
  if (!address) return null;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address;
}

/** Who asks, as the usage log's daily session key sees it (never stored). */
function identity(ctx: Pick<Context, 'viewer' | 'clientAddress'>): string {
  const v = ctx.viewer;
  if (v.isPatron) return `patron:${v.patronId}`;
  if (v.accountId !== null) return `account:${v.accountId}`;
  return `anonymous:${clientIp(ctx.clientAddress) ?? 'unknown'}`;
}

/** Logs a view, open or denial of a resource (no personal data: a keyed, daily session hash). */
export async function logUsage(ctx: Pick<Context, 'viewer' | 'clientAddress' | 'config' | 'em'>, r: EResource, action: UsageAction): Promise<void> {
  const session = runtime(ctx.config).signer.session(identity(ctx));
  const filtered = action === UsageAction.INVESTIGATION || action === UsageAction.REQUEST;
  await query(
    ctx.em,
    `insert into e_usage (e_resource_id, library_id, action, session_key)
     select ?, ?, ?, ? where not ? or not exists (
       select 1 from e_usage where session_key = ? and e_resource_id = ? and action = ? and at > now() - make_interval(secs => ?))`,
    [r.id, r.libraryId, action, session, filtered, session, r.id, action, DOUBLE_CLICK_SECONDS],
  );
}

export interface UsageRow {
  resourceId: number;
  month: string;
  metrics: { metric: CounterMetric; count: number }[];
}

export const METRIC_ORDER = [
  CounterMetric.Total_Item_Investigations,
  CounterMetric.Unique_Item_Investigations,
  CounterMetric.Total_Item_Requests,
  CounterMetric.Unique_Item_Requests,
  CounterMetric.No_License,
  CounterMetric.Limit_Exceeded,
];

export interface UsageQuery {
  from: string;
  to: string;
  libraryId: number | null;
  resourceId: number | null;
}

/** Parses a yyyy-mm or yyyy-mm-dd bound; `to` is inclusive (a month means up to its last day). */
export function parsePeriod(from: string, to: string): { start: string; end: string } {
  const day = (s: string, field: string, end: boolean) => {
    const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec((s ?? '').trim());
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw badInput(`${field} must be yyyy-mm or yyyy-mm-dd`, field);
    if (m[3]) {
      const d = new Date(`${m[0]}T00:00:00Z`);
      if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== m[0]) throw badInput(`${field} has no such day`, field);
      return end ? new Date(d.getTime() + 86_400_000).toISOString().slice(0, 10) : m[0];
    }
    const first = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1 + (end ? 1 : 0), 1));
    return first.toISOString().slice(0, 10);
  };
  const start = day(from, 'from', false);
  const end = day(to, 'to', true);
  if (end <= start) throw badInput('to is before from', 'to');
  return { start, end };
}

/**
 * Per resource and month (UTC), every COUNTER metric. Total_Item_Investigations counts views and
 * opens (an open is also an investigation), the unique metrics count distinct daily sessions.
 */
export async function usageRows(em: EntityManager, q: UsageQuery, after: { resourceId: number; month: string } | null, limit: number): Promise<UsageRow[]> {
  const { start, end } = parsePeriod(q.from, q.to);
  const rows = await query<Record<string, string>>(
    em,
    `select u.e_resource_id rid, to_char(date_trunc('month', u.at), 'YYYY-MM') as month,
            count(*) filter (where action in ('INVESTIGATION','REQUEST')) tii,
            count(distinct session_key) filter (where action in ('INVESTIGATION','REQUEST')) uii,
            count(*) filter (where action = 'REQUEST') tir,
            count(distinct session_key) filter (where action = 'REQUEST') uir,
            count(*) filter (where action = 'NO_LICENSE') nl,
            count(*) filter (where action = 'LIMIT_EXCEEDED') le
       from e_usage u
      where u.at >= ?::date and u.at < ?::date
        and (?::bigint is null or u.library_id = ?) and (?::bigint is null or u.e_resource_id = ?)
      group by 1, 2
     having ?::bigint is null or (u.e_resource_id, to_char(date_trunc('month', u.at), 'YYYY-MM')) > (?::bigint, ?::text)
      order by 1, 2
      limit ?`,
    [start, end, q.libraryId, q.libraryId, q.resourceId, q.resourceId, after?.resourceId ?? null, after?.resourceId ?? null, after?.month ?? null, limit],
  );
  return rows.map((r) => ({
    resourceId: Number(r.rid),
    month: r.month,
    metrics: [
      { metric: CounterMetric.Total_Item_Investigations, count: Number(r.tii) },
      { metric: CounterMetric.Unique_Item_Investigations, count: Number(r.uii) },
      { metric: CounterMetric.Total_Item_Requests, count: Number(r.tir) },
      { metric: CounterMetric.Unique_Item_Requests, count: Number(r.uir) },
      { metric: CounterMetric.No_License, count: Number(r.nl) },
      { metric: CounterMetric.Limit_Exceeded, count: Number(r.le) },
    ],
  }));
}

export const usageService = {
  /** The usage report (staff: their library's resources; network admins: any library or all). */
  async report(
    ctx: Context,
    args: { from: string; to: string; libraryCode: string | null; resourceId: string | null; first: number | null; after: string | null },
  ) {
    const v = ctx.viewer;
    if (!v.isAuthenticated) throw unauthenticated();
    if (!v.isStaff) throw forbidden('Only library staff read usage statistics.');
    const limit = pageSize(args.first);
    let libraryId: number | null = null;
    if (args.libraryCode) {
      const [lib] = await librariesService.requireCodes(ctx, [args.libraryCode], 'libraryCode');
      libraryId = lib.id;
    }
    const resourceId = args.resourceId ? decodeIdOf('EResource', args.resourceId, 'resourceId') : null;
    if (resourceId !== null) {
      const r = await ctx.loaders.eResourceById.load(resourceId);
      if (!r) return toPage([], limit, () => '', (x) => x);
      if (libraryId !== null && r.libraryId !== libraryId) return toPage([], limit, () => '', (x) => x);
      libraryId ??= r.libraryId;
    }
    if (!v.isNetworkAdmin) {
      if (libraryId === null) libraryId = v.libraryId;
      if (libraryId !== v.libraryId) throw forbidden('Staff read the usage of their own library only.');
    }
    const cursor = decodeCursor('usage', args.after);
    if (cursor && (cursor.length !== 2 || !Number.isSafeInteger(cursor[0]) || typeof cursor[1] !== 'string')) {
      throw badInput('after is not a valid cursor', 'after');
    }
    const rows = await usageRows(ctx.em, { from: args.from, to: args.to, libraryId, resourceId }, cursor ? { resourceId: cursor[0] as number, month: cursor[1] as string } : null, limit + 1);
    return toPage(rows, limit, (r) => encodeCursor('usage', [r.resourceId, r.month]), (r) => r);
  },
};
