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
import { SessionService } from './modules/auth/sessions';
import { TokenService } from './modules/auth/tokens';
import { lexemeStats } from './modules/catalog/search-stats';
import { searchService } from './modules/catalog/search.service';
import { schedulerSettings, startScheduler } from './modules/circulation/scheduler';
import { EventHub } from './modules/events/event-hub';
import { RunningHttpServer, startHttpServer } from './server/http';
import { createSchema, unruledFields } from './server/schema';
import { startEResources } from './modules/eresources/eresources.jobs';
import { runtime } from './modules/eresources/runtime';
import { seedDemoEResources } from './demo/eresources.seed';

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
  let sessions: SessionService | null = null;
  try {
    // migrations and the seed run without the API's statement_timeout (a migration may take long)
    const setup = await createOrm({ url: db.url, poolSize: 3, logger });
    try {
      const applied = await migrate(setup);
      if (applied.length) logger.info({ applied }, 'migrations applied');
      if (config.seedDemo) {
        const seeded = await seedDemoNetwork(setup.em.fork());
        if (seeded) logger.info({ ...seeded, illRequests: await seedDemoSharing(setup.em.fork(), logger, config) }, 'demo network seeded');
        const eResources = await seedDemoEResources(setup.em.fork(), runtime(config).storage);
        if (eResources) logger.info({ eResources }, 'demo digital library seeded');
      }
    } finally {
      await setup.close(true);
    }
    orm = await createOrm({ url: db.url, poolSize: config.dbPoolSize, logger, statementTimeoutMs: config.statementTimeoutMs });
    const tokens = new TokenService(config.jwtSecret, config.tokenTtlSeconds, config.jwtPreviousSecrets);
    sessions = new SessionService(config.refreshTokenTtlSeconds, config.tokenTtlSeconds);
    sessions.start(orm, logger);
    const auth = new AuthService(tokens, sessions, {
      maxFailures: config.loginMaxFailures,
      maxFailuresPerAddress: config.loginMaxFailuresPerAddress,
      lockSeconds: config.loginLockSeconds,
      maxLockSeconds: config.loginMaxLockSeconds,
    });
    const schema = await createSchema(auth);
    if (unruledFields.length) logger.warn({ fields: unruledFields }, 'fields without a permission rule are refused to everyone (src/modules/auth/permissions.ts)');
    events = new EventHub(db.url, logger);
    await events.start();
    const hub = events;
    // every committed transaction of this process wakes the subscriptions (the outbox may have grown)
    orm.em.getEventManager().registerSubscriber({ afterTransactionCommit: async () => hub.committed() });
    http = await startHttpServer({ config, logger, orm, schema, auth, events });
    searchService.narrowCap = config.searchNarrowCap;
    statsRefresh = lexemeStats.start(orm, logger);
    schedulerSettings.eventRetentionDays = config.eventRetentionDays;
    scheduler = config.schedulerIntervalMs > 0 ? startScheduler(orm, logger, config.schedulerIntervalMs) : null;
    eresources = startEResources(orm, logger, config);
  } catch (err) {
    sessions?.stop();
    await events?.stop().catch(() => undefined);
    await orm?.close(true).catch(() => undefined);
    await db.embedded?.stop().catch(() => undefined);
    throw err;
  }
  const o = orm;
  const h = http;
  const sch = scheduler;
  const ev = events;
  const ss = sessions;
  let stopping: Promise<void> | null = null;
  return {
    port: h.port,
    databaseUrl: db.url,
    orm: o,
    stop() {
      stopping ??= (async () => {
        statsRefresh?.stop();
        await h.stop();
        ss?.stop();
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
