import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, query } from '../../db/sql';
import { METRIC_ORDER, parsePeriod, usageRows } from './usage.service';

export interface CounterReportOptions {
  from: string;
  to: string;
  /** Owning library (its usage only); null for the whole network. */
  libraryId: number | null;
  institutionName: string;
  institutionId: string;
  now?: Date;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** TSV cells hold no tab or line break. */
const cell = (v: string | number | null | undefined) => (v === null || v === undefined ? '' : String(v).replace(/[\t\r\n]+/g, ' '));

function dataType(kind: string, format: string | null): string {
  if (format?.startsWith('image/')) return 'Image';
  if (format?.startsWith('audio/')) return 'Sound';
  if (format?.startsWith('video/')) return 'Audiovisual';
  return kind === 'CONTRIBUTED' ? 'Report' : 'Book';
}

/**
 * The usage as a COUNTER Release 5.1 Item Report (IR) in tabular form: 13 header rows, a blank row,
 * the column headings, then one row per item and metric with the period total and one column per
 * month (Mmm-yyyy). Items without usage in the period are left out, as the Code of Practice allows
 * for zero rows.
 */
export async function counterItemReport(em: EntityManager, o: CounterReportOptions): Promise<string> {
  const { start, end } = parsePeriod(o.from, o.to);
  const months: string[] = [];
  for (let d = new Date(`${start}T00:00:00Z`); d.toISOString().slice(0, 10) < end; d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))) {
    months.push(d.toISOString().slice(0, 7));
  }
  const rows = [];
  let after: { resourceId: number; month: string } | null = null;
  for (;;) {
    const page = await usageRows(em, { from: o.from, to: o.to, libraryId: o.libraryId, resourceId: null }, after, 5000);
    rows.push(...page);
    if (page.length < 5000) break;
    after = { resourceId: page[page.length - 1].resourceId, month: page[page.length - 1].month };
  }
  const ids = [...new Set(rows.map((r) => r.resourceId))];
  const meta = ids.length
    ? await query<{ id: string; title: string; publisher: string | null; creators: string[]; dc_date: string | null; identifiers: string[]; kind: string; dc_format: string | null; access_policy: string }>(
        em,
        `select id, title, publisher, creators, dc_date, identifiers, kind, dc_format, access_policy from e_resources where id = any(?)`,
        [pgArray(em, ids, 'bigint')],
      )
    : [];
  const byId = new Map(meta.map((m) => [Number(m.id), m]));
  const endDay = new Date(new Date(`${end}T00:00:00Z`).getTime() - 86_400_000).toISOString().slice(0, 10);
  const now = (o.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const header: [string, string][] = [
    ['Report_Name', 'Item Report'],
    ['Report_ID', 'IR'],
    ['Release', '5.1'],
    ['Institution_Name', o.institutionName],
    ['Institution_ID', o.institutionId],
    ['Metric_Types', METRIC_ORDER.join('; ')],
    ['Report_Filters', 'Access_Method=Regular'],
    ['Report_Attributes', 'Attributes_To_Show=Data_Type|Access_Type|Access_Method'],
    ['Exceptions', ''],
    ['Reporting_Period', `Begin_Date=${start}; End_Date=${endDay}`],
    ['Created', now],
    ['Created_By', 'Shelfnet'],
    ['Registry_Record', ''],
  ];
  const columns = [
    'Item', 'Publisher', 'Publisher_ID', 'Platform', 'Authors', 'Publication_Date', 'Article_Version', 'DOI', 'Proprietary_ID',
    'ISBN', 'Print_ISSN', 'Online_ISSN', 'URI', 'Data_Type', 'YOP', 'Access_Type', 'Access_Method', 'Metric_Type', 'Reporting_Period_Total',
    ...months.map((m) => `${MONTHS[Number(m.slice(5, 7)) - 1]}-${m.slice(0, 4)}`),
  ];
  const lines = [...header.map((h) => h.map(cell).join('\t')), '', columns.join('\t')];
  for (const id of ids) {
    const m = byId.get(id)!;
    const mine = rows.filter((r) => r.resourceId === id);
    const isbn = m.identifiers.find((x) => /^(97[89])?\d{9}[\dX]$/.test(x.replace(/[-\s]/g, '')));
    const yop = m.dc_date ? m.dc_date.slice(0, 4) : '0001';
    for (const metric of METRIC_ORDER) {
      const perMonth = months.map((mo) => mine.find((r) => r.month === mo)?.metrics.find((x) => x.metric === metric)?.count ?? 0);
      const total = perMonth.reduce((a, b) => a + b, 0);
      if (total === 0) continue;
      lines.push(
        [
          m.title, m.publisher, '', 'Shelfnet', m.creators.join('; '), m.dc_date && /^\d{4}-\d{2}-\d{2}$/.test(m.dc_date) ? m.dc_date : '', '', '',
          `Shelfnet:eresource:${id}`, isbn ?? '', '', '', '', dataType(m.kind, m.dc_format), yop,
          m.access_policy === 'PUBLIC' ? 'Open' : 'Controlled', 'Regular', metric, total, ...perMonth,
        ]
          .map(cell)
          .join('\t'),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
