import 'reflect-metadata';
import type { MikroORM } from '@mikro-orm/core';
import type { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from './config';
import { Database, openDatabase } from './db/database';
import { createOrm, migrate } from './db/orm';
import { seedDemoNetwork } from './demo/seed';
import { seedDemoSharing } from './demo/sharing';
import { AuthService } from './modules/auth/auth.service';
import { TokenService } from './modules/auth/tokens';
import { lexemeStats } from './modules/catalog/search-stats';
import { searchService } from './modules/catalog/search.service';
import { schedulerSettings, startScheduler } from './modules/circulation/scheduler';
import { EventHub } from './modules/events/event-hub';
import { RunningHttpServer, startHttpServer } from './server/http';
import { createSchema } from './server/schema';
import { startEResources } from './modules/eresources/eresources.jobs';
import { runtime } from './modules/eresources/runtime';
import { seedDemoEResources } from './demo/eresources.seed';
import type { EntityManager } from '@mikro-orm/postgresql';

export interface RunningApp {
  port: number;
  databaseUrl: string;
  orm: MikroORM<PostgreSqlDriver>;
  /** Graceful: stop accepting, finish in-flight requests, close the pool, stop embedded PostgreSQL. */
  stop(): Promise<void>;
}

/** config → database (embedded or DATABASE_URL) → migrations → demo seed → server. */
export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const db: Database = await openDatabase(config, logger);
  let orm: MikroORM<PostgreSqlDriver> | null = null;
  let http: RunningHttpServer | null = null;
  let scheduler: { stop(): Promise<void> } | null = null;
  let statsRefresh: { stop(): void } | null = null;
  let events: EventHub | null = null;
  let eresources: { stop(): Promise<void> } | null = null;
  try {
    orm = await createOrm({ url: db.url, poolSize: config.dbPoolSize, logger });
    const applied = await migrate(orm);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    if (config.seedDemo) {
      const seeded = await seedDemoNetwork(orm.em.fork());
      if (seeded) logger.info({ ...seeded, illRequests: await seedDemoSharing(orm.em.fork(), logger, config) }, 'demo network seeded');
      const eResources = await seedDemoEResources(orm.em.fork() as EntityManager, runtime(config).storage);
      if (eResources) logger.info({ eResources }, 'demo digital library seeded');
    }
    const tokens = new TokenService(config.jwtSecret, config.tokenTtlSeconds);
    const schema = await createSchema(new AuthService(tokens));
    events = new EventHub(db.url, logger);
    await events.start();
    http = await startHttpServer({ config, logger, orm, schema, tokens, events });
    searchService.narrowCap = config.searchNarrowCap;
    statsRefresh = lexemeStats.start(orm, logger);
    schedulerSettings.eventRetentionDays = config.eventRetentionDays;
    scheduler = config.schedulerIntervalMs > 0 ? startScheduler(orm, logger, config.schedulerIntervalMs) : null;
    eresources = startEResources(orm, logger, config);
  } catch (err) {
    await events?.stop().catch(() => undefined);
    await orm?.close(true).catch(() => undefined);
    await db.embedded?.stop().catch(() => undefined);
    throw err;
  }
  const o = orm;
  const h = http;
  const sch = scheduler;
  const ev = events;
  let stopping: Promise<void> | null = null;
  return {
    port: h.port,
    databaseUrl: db.url,
    orm: o,
    stop() {
      stopping ??= (async () => {
        statsRefresh?.stop();
        await h.stop();
        await ev?.stop();
        await sch?.stop();
        await eresources?.stop();
        await o.close(true);
        await db.embedded?.stop();
      })();
      return stopping;
    },
  };
}
