import type { Context } from '../../server/context';
import { badInput, forbidden } from '../../common/errors';
import { query } from '../../db/sql';
import { librariesService } from '../libraries/libraries.service';
import { requireStaff } from '../patrons/patrons.service';
import { IllLenderStatisticsType, IllSideStatisticsType, IllStatisticsType, IllTurnaroundType } from './ill.types';

interface SideRow {
  requests: string;
  filled: string;
  unfilled: string;
  cancelled: string;
  open: string;
  s_n: string;
  s50: number | null;
  s90: number | null;
  r_n: string;
  r50: number | null;
  r90: number | null;
}

const hours = (v: number | null) => (v === null ? null : Math.round(Number(v) * 100) / 100);
const turnaround = (n: string, p50: number | null, p90: number | null): IllTurnaroundType => ({ count: Number(n), medianHours: hours(p50), p90Hours: hours(p90) });
const rate = (filled: number, unfilled: number) => (filled + unfilled === 0 ? null : Math.round((filled / (filled + unfilled)) * 1000) / 1000);

function side(r: SideRow): IllSideStatisticsType {
  const filled = Number(r.filled);
  const unfilled = Number(r.unfilled);
  return {
    requests: Number(r.requests),
    filled,
    unfilled,
    cancelled: Number(r.cancelled),
    open: Number(r.open),
    fillRate: rate(filled, unfilled),
    createdToShipped: turnaround(r.s_n, r.s50, r.s90),
    createdToReceived: turnaround(r.r_n, r.r50, r.r90),
  };
}

/** When each request was first shipped (or delivered) and received, read from its history. */
const MILESTONES = `select h.request_id,
         min(h.at) filter (where h.action in ('SHIP', 'DELIVER_COPY')) shipped,
         min(h.at) filter (where h.action in ('RECEIVE', 'DELIVER_COPY')) received
    from ill_history h`;

/** Count, median and 90th percentile in hours of `to - from` over the rows where `to` is set, as <p>_n, <p>50, <p>90. */
function percentiles(p: 's' | 'r', from: string, to: string): string {
  const hoursOf = `extract(epoch from ${to} - ${from}) / 3600`;
  return `count(${to}) ${p}_n,
    percentile_cont(0.5) within group (order by ${hoursOf}) filter (where ${to} is not null) ${p}50,
    percentile_cont(0.9) within group (order by ${hoursOf}) filter (where ${to} is not null) ${p}90`;
}

export class IllStatisticsService {
  /**
   * A library's resource sharing for requests created (borrowing) or asked of it (lending) in
   * [from, to): counts, fill rate (filled ÷ decided), median and 90th-percentile turnaround, and its
   * lenders' figures. Every time comes from the requests' history.
   */
  async statistics(ctx: Context, libraryCode: string, from: Date, to: Date): Promise<IllStatisticsType> {
    requireStaff(ctx, 'see resource-sharing statistics');
    const [lib] = await librariesService.requireCodes(ctx, [libraryCode], 'libraryCode');
    if (!ctx.viewer.worksAt(lib.id)) throw forbidden(`Only staff of ${lib.code} see its statistics.`);
    if (Number.isNaN(from.getTime())) throw badInput('from is not a time', 'from');
    if (Number.isNaN(to.getTime())) throw badInput('to is not a time', 'to');
    if (to.getTime() <= from.getTime()) throw badInput('to must be after from', 'to');
    if (to.getTime() - from.getTime() > 10 * 366 * 86_400_000) throw badInput('the period is longer than ten years', 'to');

    const [borrowing] = await query<SideRow>(
      ctx.em,
      `with req as (
         select id, created_at, requester_state, closed_at from ill_requests
          where requesting_library_id = ? and created_at >= ? and created_at < ?
       ), m as (${MILESTONES} where h.request_id in (select id from req) group by h.request_id)
       select count(*) requests, count(m.shipped) filled,
              count(*) filter (where req.requester_state = 'END_OF_ROTA') unfilled,
              count(*) filter (where req.requester_state = 'CANCELLED') cancelled,
              count(*) filter (where req.closed_at is null) open,
              ${percentiles('s', 'req.created_at', 'm.shipped')},
              ${percentiles('r', 'req.created_at', 'm.received')}
         from req left join m on m.request_id = req.id`,
      [lib.id, from, to],
    );
    const [lending] = await query<SideRow>(
      ctx.em,
      `with asked as (
         select e.request_id, e.status, e.asked_at, r.created_at
           from ill_rota_entries e join ill_requests r on r.id = e.request_id
          where e.library_id = ? and e.asked_at >= ? and e.asked_at < ?
       ), m as (${MILESTONES} where h.request_id in (select request_id from asked) and h.lender_id = ? group by h.request_id)
       select count(*) requests, count(m.shipped) filled,
              count(*) filter (where asked.status in ('UNFILLED', 'RETRY_POSSIBLE', 'NO_ANSWER')) unfilled,
              count(*) filter (where asked.status in ('CANCELLED', 'CONDITIONS_REJECTED')) cancelled,
              count(*) filter (where asked.status = 'ASKED' or (asked.status = 'SUPPLYING' and m.shipped is null)) open,
              ${percentiles('s', 'asked.created_at', 'm.shipped')},
              ${percentiles('r', 'asked.created_at', 'm.received')}
         from asked left join m on m.request_id = asked.request_id`,
      [lib.id, from, to, lib.id],
    );
    const perLender = await query<{ library_id: string; asked: string; filled: string; unfilled: string; s_n: string; s50: number | null; s90: number | null }>(
      ctx.em,
      `with asked as (
         select e.request_id, e.library_id, e.status, e.asked_at
           from ill_rota_entries e join ill_requests r on r.id = e.request_id
          where r.requesting_library_id = ? and r.created_at >= ? and r.created_at < ? and e.asked_at is not null
       ), m as (
         select h.request_id, h.lender_id, min(h.at) filter (where h.action in ('SHIP', 'DELIVER_COPY')) shipped
           from ill_history h where h.request_id in (select request_id from asked) group by h.request_id, h.lender_id
       )
       select asked.library_id, count(*) asked, count(m.shipped) filled,
              count(*) filter (where asked.status in ('UNFILLED', 'RETRY_POSSIBLE', 'NO_ANSWER')) unfilled,
              count(m.shipped) s_n,
              percentile_cont(0.5) within group (order by extract(epoch from m.shipped - asked.asked_at) / 3600) filter (where m.shipped is not null) s50,
              percentile_cont(0.9) within group (order by extract(epoch from m.shipped - asked.asked_at) / 3600) filter (where m.shipped is not null) s90
         from asked left join m on m.request_id = asked.request_id and m.lender_id = asked.library_id
        group by asked.library_id
        order by count(*) desc, asked.library_id`,
      [lib.id, from, to],
    );
    return {
      libraryId: lib.id,
      from,
      to,
      borrowing: side(borrowing),
      lending: side(lending),
      perLender: perLender.map(
        (r): IllLenderStatisticsType => ({
          lenderId: Number(r.library_id),
          asked: Number(r.asked),
          filled: Number(r.filled),
          unfilled: Number(r.unfilled),
          fillRate: rate(Number(r.filled), Number(r.unfilled)),
          askedToShipped: turnaround(r.s_n, r.s50, r.s90),
        }),
      ),
    };
  }
}

export const illStatisticsService = new IllStatisticsService();
