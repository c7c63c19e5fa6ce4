import { MikroORM } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver, defineConfig } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { migrationsList } from '../../migrations';
import { AuditEntry } from '../modules/audit/audit-entry.entity';
import { Account } from '../modules/auth/account.entity';
import { Item } from '../modules/catalog/item.entity';
import { BibliographicRecord } from '../modules/catalog/record.entity';
import { Library } from '../modules/libraries/library.entity';
import { Hold } from '../modules/circulation/hold.entity';
import { Loan } from '../modules/circulation/loan.entity';
import { Transit } from '../modules/circulation/transit.entity';
import { OutboxEvent } from '../modules/events/event.entity';
import { Patron } from '../modules/patrons/patron.entity';
import { IllRequest } from '../modules/sharing/ill-request.entity';
import { ERESOURCE_ENTITIES } from '../modules/eresources/eresource.entity';
import { countStatement } from './sql-stats';

export const ENTITIES = [Library, BibliographicRecord, Item, Account, AuditEntry, Patron, Loan, Hold, Transit, OutboxEvent, IllRequest, ...ERESOURCE_ENTITIES];

export interface OrmOptions {
  url: string;
  poolSize?: number;
  logger?: Logger;
  /** PostgreSQL statement_timeout for every connection, in ms (0 = none). */
  statementTimeoutMs?: number;
}

export function ormConfig(opts: OrmOptions) {
  return defineConfig({
    driver: PostgreSqlDriver,
    clientUrl: opts.url,
    entities: ENTITIES,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    extensions: [Migrator],
    migrations: {
      migrationsList,
      transactional: true,
      allOrNothing: true,
      tableName: 'mikro_orm_migrations',
      silent: true,
      snapshot: false,
    },
    pool: {
      min: 0,
      max: opts.poolSize ?? 10,
      afterCreate: (conn: PooledClient, done: (err: Error | null, conn: unknown) => void) => {
        const timeout = opts.statementTimeoutMs ?? 0;
        // the transaction status PostgreSQL reports after every statement (I idle, T in a transaction, E failed one)
        conn.connection?.on('readyForQuery', (m: { status?: string }) => {
          conn.txStatus = m.status;
        });
        // work_mem: search bitmaps stay exact (not lossy) for queries matching many records
        conn.query(`set statement_timeout = ${Math.floor(timeout)}; set timezone = 'UTC'; set work_mem = '16MB'`, (err) => done(err, conn));
      },
      // never hand out a connection still inside a transaction: one whose ROLLBACK failed (a statement timeout can
      // cancel even that on a starved machine) would answer every later statement with 25P02; it is replaced
      validate: (conn: PooledClient) => conn.txStatus === undefined || conn.txStatus === 'I',
    } as Record<string, unknown>,
    forceUtcTimezone: true,
    allowGlobalContext: false,
    debug: false,
    // Types come from the explicit `type` of every property, so no reflection is needed.
    validate: false,
  });
}

interface PooledClient {
  query: (sql: string, cb: (err: Error | null) => void) => void;
  connection?: { on: (event: 'readyForQuery', fn: (m: { status?: string }) => void) => void };
  txStatus?: string;
}

/** Connects and wires the per-request SQL statement counter. */
export async function createOrm(opts: OrmOptions): Promise<MikroORM<PostgreSqlDriver>> {
  const orm = await MikroORM.init<PostgreSqlDriver>(ormConfig(opts));
  orm.em.getConnection().getKnex().on('query', countStatement);
  return orm;
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
