import { Client } from 'pg';
import type { Logger } from 'pino';

/** One outbox event as subscribers receive it. */
export interface StreamEvent {
  seq: number;
  /** Writing transaction (xid8 as text): with seq, the stream order. */
  txid: string;
  type: string;
  occurredAt: Date;
  libraryIds: number[];
  libraryCodes: string[];
  entity: string;
  entityId: number | null;
  payload: Record<string, unknown>;
}

/** Which events a subscriber follows: those concerning a library, or those about one object. */
export interface EventFilter {
  libraryId?: number;
  entity?: string;
  entityId?: number;
}

export function matches(e: StreamEvent, f: EventFilter): boolean {
  return (
    (f.libraryId === undefined || e.libraryIds.includes(f.libraryId)) &&
    (f.entity === undefined || e.entity === f.entity) &&
    (f.entityId === undefined || e.entityId === f.entityId)
  );
}

/** Position in the stream: events are delivered in (txid, seq) order. */
export interface StreamPosition {
  txid: string;
  seq: number;
}

export function comparePositions(a: StreamPosition, b: StreamPosition): number {
  const ta = BigInt(a.txid);
  const tb = BigInt(b.txid);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.seq - b.seq;
}

/** Opaque cursor of a position (what subscribers pass back as `after`). */
export function encodeStreamCursor(p: StreamPosition): string {
  return Buffer.from(`ev:${p.txid}:${p.seq}`, 'utf8').toString('base64url');
}

export function decodeStreamCursor(cursor: string): StreamPosition | null {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const m = /^ev:(\d{1,20}):(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? { txid: m[1], seq: Number(m[2]) } : null;
}

interface Row {
  seq: string;
  txid: string;
  type: string;
  occurred_at: Date;
  library_ids: string[];
  library_codes: string[];
  entity: string;
  entity_id: string | null;
  payload: Record<string, unknown>;
}

function toEvent(r: Row): StreamEvent {
  return {
    seq: Number(r.seq),
    txid: r.txid,
    type: r.type,
    occurredAt: r.occurred_at,
    libraryIds: r.library_ids.map(Number),
    libraryCodes: r.library_codes,
    entity: r.entity,
    entityId: r.entity_id === null ? null : Number(r.entity_id),
    payload: r.payload,
  };
}

/**
 * Only events of transactions older than every transaction still running are read (txid below
 * pg_snapshot_xmin): a transaction that commits late cannot have its event overtaken by a cursor.
 */
const SAFE = `txid < pg_snapshot_xmin(pg_current_snapshot())`;
const COLUMNS = `seq, txid::text txid, type, occurred_at, library_ids, entity, entity_id, payload,
  array(select l.code from libraries l where l.id = any(events.library_ids) order by l.code) library_codes`;
const BATCH = 1000;

type Listener = (e: StreamEvent) => void;

/** A task with at most one run in flight; asked for again meanwhile, it runs once more afterwards (`rerun`). */
class OneAtATime {
  private inFlight: Promise<void> | null = null;
  private again = false;

  constructor(
    /** Must not reject: it handles its own errors. */
    private readonly task: () => Promise<void>,
    private readonly rerun: () => void,
  ) {}

  run(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = this.task().finally(() => {
      this.inFlight = null;
      if (this.again) {
        this.again = false;
        this.rerun();
      }
    });
  }

  /** Resolves once the run in flight, if any, has ended. */
  settled(): Promise<void> {
    return this.inFlight ?? Promise.resolve();
  }
}

/**
 * The per-process end of the event outbox. The events themselves are read from the outbox table, so
 * a missed wake-up loses nothing (a slow poll is the safety net) and every API process sharing the
 * database delivers every event.
 *
 * Wake-ups: a transaction of this process that committed (`committed()`: every MikroORM transaction,
 * and every GraphQL mutation) wakes this hub at once and sends one NOTIFY, on the hub's own
 * connection, that wakes the other processes. Writing transactions do not NOTIFY themselves:
 * PostgreSQL serialises the commits of notifying transactions on one lock held through the WAL flush,
 * which capped busy desks at the speed of one flush after another. NOTIFYs are coalesced (one in
 * flight, one more queued) and asynchronous-commit (a lost one costs a poll interval, never an event).
 */
export class EventHub {
  private client: Client | null = null;
  private position: StreamPosition | null = null;
  private listeners = new Set<Listener>();
  /** Reads of the outbox: one at a time; a wake-up during one schedules another. */
  private readonly reads = new OneAtATime(
    () => this.drain().catch((err) => this.logger.error({ err }, 'reading the event outbox failed')),
    () => this.wake(),
  );
  private timer: NodeJS.Timeout | null = null;
  private scheduled: NodeJS.Timeout | null = null;
  private stopped = false;
  /** NOTIFYs for the other processes: one in flight, one more queued however many commits ask. */
  private readonly notifies = new OneAtATime(
    async () => {
      if (this.stopped || !this.client) return;
      await this.client
        .query(`select pg_notify('shelfnet_events', '')`)
        .then(() => undefined, (err) => this.logger.warn({ err }, 'waking the other API processes failed (they poll)'));
    },
    () => this.notifies.run(),
  );

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    private readonly pollMs = 1000,
  ) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    const own = (client as unknown as { processID?: number }).processID;
    // our own NOTIFY comes back too: this process woke already
    client.on('notification', (m) => m.processId !== own && this.wake());
    client.on('error', (err) => this.logger.error({ err }, 'event listener connection failed'));
    await client.query('set synchronous_commit = off');
    await client.query('listen shelfnet_events');
    const rows = await client.query<{ txid: string; seq: string }>(
      `select txid::text txid, seq from events where ${SAFE} order by txid desc, seq desc limit 1`,
    );
    this.position = rows.rows[0] ? { txid: rows.rows[0].txid, seq: Number(rows.rows[0].seq) } : { txid: '0', seq: 0 };
    this.client = client;
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.scheduled) clearTimeout(this.scheduled);
    await this.reads.settled();
    await this.notifies.settled();
    await this.client?.end().catch(() => undefined);
    this.listeners.clear();
  }

  /**
   * A transaction of this process committed and may have written events: read them soon, and wake
   * the other processes sharing the database.
   */
  committed(): void {
    if (this.stopped || !this.client) return;
    this.wake();
    this.notifies.run();
  }

  /** Where the live stream stands now. */
  current(): StreamPosition {
    return this.position ?? { txid: '0', seq: 0 };
  }

  /** Receives every event from now on, in stream order; returns the unsubscribe function. */
  listen(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Events after a position (oldest first), at most `limit`, optionally only those concerning a library. */
  async readAfter(after: StreamPosition, libraryId: number | null, limit = BATCH): Promise<StreamEvent[]> {
    return this.readMatching(after, libraryId === null ? {} : { libraryId }, limit);
  }

  /** Events after a position (oldest first) that match a filter (a library concerned, one object). */
  async readMatching(after: StreamPosition, filter: EventFilter, limit = BATCH): Promise<StreamEvent[]> {
    const client = this.client;
    if (!client) return [];
    const where: string[] = [];
    const params: unknown[] = [after.txid, after.seq, limit];
    if (filter.libraryId !== undefined) {
      params.push(filter.libraryId);
      where.push(`library_ids @> array[$${params.length}::bigint]`);
    }
    if (filter.entity !== undefined) {
      params.push(filter.entity);
      where.push(`entity = $${params.length}`);
    }
    if (filter.entityId !== undefined) {
      params.push(filter.entityId);
      where.push(`entity_id = $${params.length}::bigint`);
    }
    const rows = await client.query<Row>(
      `select ${COLUMNS} from events
        where (txid, seq) > ($1::xid8, $2::bigint) and ${SAFE} ${where.map((w) => `and ${w}`).join(' ')}
        order by txid, seq limit $3`,
      params,
    );
    return rows.rows.map(toEvent);
  }

  /**
   * Wake-ups come once per committed transaction; reads are coalesced (one read per few
   * milliseconds under load) so a busy desk does not cost the hub a query per loan.
   */
  private wake(): void {
    if (this.stopped || !this.client || this.scheduled) return;
    this.scheduled = setTimeout(() => {
      this.scheduled = null;
      this.read();
    }, 5);
  }

  private read(): void {
    if (this.stopped || !this.client) return;
    this.reads.run();
  }

  private async drain(): Promise<void> {
    if (this.listeners.size === 0) {
      // nobody to deliver to: just keep the position current (one index lookup)
      const rows = await this.client!.query<{ txid: string; seq: string }>(
        `select txid::text txid, seq from events where (txid, seq) > ($1::xid8, $2::bigint) and ${SAFE}
          order by txid desc, seq desc limit 1`,
        [this.current().txid, this.current().seq],
      );
      if (rows.rows[0]) this.position = { txid: rows.rows[0].txid, seq: Number(rows.rows[0].seq) };
      return;
    }
    for (;;) {
      const batch = await this.readAfter(this.current(), null);
      for (const e of batch) {
        this.position = { txid: e.txid, seq: e.seq };
        for (const fn of this.listeners) {
          try {
            fn(e);
          } catch (err) {
            this.logger.error({ err }, 'event subscriber failed');
          }
        }
      }
      if (batch.length < BATCH) return;
    }
  }
}
