import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import {
  CreateRecordDocument,
  LibrariesDocument,
  MeDocument,
  RecordDocument,
  SearchWithFacetsDocument,
  SearchWithHoldingsDocument,
  UpdateItemDocument,
} from './__generated__/operations';
import type { TestServer } from './support/harness';
import {
  clusterDir,
  freePort,
  isAlive,
  logMessages,
  portIsFree,
  postmasterPid,
  removeDataDir,
  startShelfnet,
  tempDataDir,
  tryConnect,
  waitFor,
} from './support/process';

/**
 * The API as an operator runs it: no DATABASE_URL, so it keeps its own PostgreSQL in
 * `$SHELFNET_DATA_DIR/pg`, starts it, migrates, seeds the demo network, and stops it again on
 * SIGTERM / SIGINT (Ctrl-C).
 */

const LIFECYCLE_TIMEOUT = 180_000;
const DEMO_LIBRARIES = 23;

const dataDirs: string[] = [];
const servers: TestServer[] = [];

interface Site {
  dataDir: string;
  pgPort: number;
}

async function freshSite(): Promise<Site> {
  const dataDir = tempDataDir();
  dataDirs.push(dataDir);
  return { dataDir, pgPort: await freePort() };
}

async function start(site: Site, env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startShelfnet({ ...site, env });
  servers.push(server);
  return server;
}

function running(server: TestServer): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}

/** What an operator checks after a stop: no postmaster.pid, the old server gone, its port free. */
async function expectPostgresStopped(site: Site, pid: number): Promise<void> {
  expect(fs.existsSync(path.join(clusterDir(site.dataDir), 'postmaster.pid'))).toBe(false);
  expect(isAlive(pid)).toBe(false);
  expect(await portIsFree(site.pgPort)).toBe(true);
}

async function libraryCount(api: TestServer): Promise<number> {
  const res = await api.gql(LibrariesDocument, { first: 1 });
  expect(res.errors).toBeUndefined();
  return res.data!.libraries.totalCount;
}

async function recordCount(api: TestServer): Promise<number> {
  const res = await api.gql(SearchWithFacetsDocument, { first: 1 });
  expect(res.errors).toBeUndefined();
  return res.data!.searchCatalog.totalCount;
}

function embeddedDbUrl(site: Site): string {
  return `postgres://postgres:postgres@127.0.0.1:${site.pgPort}/shelfnet`;
}

afterEach(async () => {
  // a failed test may leave its API running: stop it the way an operator would
  for (const server of servers.splice(0)) {
    if (running(server)) {
      const stopped = await Promise.race([server.stop('SIGTERM'), new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
      if (stopped === 'timeout') await server.stop('SIGKILL');
    }
  }
});

afterAll(async () => {
  // anything still running on a test folder (a hard-killed API's PostgreSQL) is stopped by pid
  for (const dir of dataDirs) await removeDataDir(dir);
});

describe('first and second start on one data folder', () => {
  test(
    'initialises, migrates, seeds once, keeps data across a restart, and leaves no PostgreSQL behind',
    async () => {
      const site = await freshSite();

      const first = await start(site);
      expect(fs.existsSync(path.join(clusterDir(site.dataDir), 'PG_VERSION'))).toBe(true);
      const firstPg = postmasterPid(site.dataDir);
      expect(firstPg).not.toBeNull();
      expect(isAlive(firstPg!)).toBe(true);
      expect(logMessages(first)).toEqual(
        expect.arrayContaining(['initialising embedded PostgreSQL cluster', 'migrations applied', 'demo network seeded']),
      );

      const health = await fetch(`http://127.0.0.1:${first.port}/health`);
      expect(health.status).toBe(200);
      expect(await libraryCount(first)).toBe(DEMO_LIBRARIES);
      const seededRecords = await recordCount(first);
      expect(seededRecords).toBeGreaterThan(0);

      const token = await first.login('admin');
      const created = await first.gql(
        CreateRecordDocument,
        { input: { title: 'Nhật ký vận hành Shelfnet', contributors: [{ name: 'Phòng Kỹ thuật' }], year: 2026 } },
        { token },
      );
      expect(created.errors).toBeUndefined();
      expect(created.data!.createRecord.__typename).toBe('BibliographicRecord');
      const recordId = (created.data!.createRecord as { id: string }).id;
      expect(await recordCount(first)).toBe(seededRecords + 1);

      expect(await first.stop('SIGTERM')).toBe(0);
      expect(logMessages(first)).toEqual(expect.arrayContaining(['shutting down', 'embedded PostgreSQL stopped', 'stopped']));
      await expectPostgresStopped(site, firstPg!);

      const second = await start(site);
      const secondMessages = logMessages(second);
      expect(secondMessages).not.toContain('initialising embedded PostgreSQL cluster');
      expect(secondMessages).not.toContain('demo network seeded');
      expect(secondMessages).not.toContain('migrations applied');

      expect(await libraryCount(second)).toBe(DEMO_LIBRARIES);
      expect(await recordCount(second)).toBe(seededRecords + 1);
      const kept = await second.gql(RecordDocument, { id: recordId });
      expect(kept.errors).toBeUndefined();
      expect(kept.data!.record).toMatchObject({ id: recordId, title: 'Nhật ký vận hành Shelfnet' });
      // a token signed before the restart is still good (same secret, not kept in memory)
      const me = await second.gql(MeDocument, undefined, { token });
      expect(me.data?.me?.account?.username).toBe('admin');

      const secondPg = postmasterPid(site.dataDir)!;
      expect(await second.stop('SIGTERM')).toBe(0);
      await expectPostgresStopped(site, secondPg);
    },
    LIFECYCLE_TIMEOUT,
  );
});

describe('graceful shutdown', () => {
  test(
    'SIGTERM lets in-flight requests finish with their data, refuses new connections, then exits 0',
    async () => {
      const site = await freshSite();
      const api = await start(site, { SHUTDOWN_TIMEOUT_MS: '60000' });
      const token = await api.login('admin');

      // three copies of a well-held record
      const hit = await api.gql(SearchWithHoldingsDocument, { query: 'truyen kieu', first: 1 });
      expect(hit.errors).toBeUndefined();
      const record = await api.gql(RecordDocument, { id: hit.data!.searchCatalog.edges[0].node.id });
      const copies = record.data!.record!.holdings.flatMap((h) => h.items.edges.map((e) => e.node)).slice(0, 3);
      expect(copies).toHaveLength(3);

      // A librarian's long transaction (here: ours) holds these copies' rows; updates to them wait for it.
      const holder = new Client({ connectionString: embeddedDbUrl(site) });
      holder.on('error', () => undefined);
      await holder.connect();
      try {
        await holder.query('begin');
        await holder.query('select id from items where barcode = any($1) for update', [copies.map((c) => c.barcode)]);

        const inFlight = copies.map((c, i) =>
          api.gql(UpdateItemDocument, { input: { id: c.id, location: `Kho đóng, giá ${i + 1}` } }, { token }),
        );
        await waitFor('the three updates to wait for the row locks', async () => {
          // pg_stat_activity is a snapshot per transaction: read it afresh each time
          await holder.query('select pg_stat_clear_snapshot()');
          const r = await holder.query(
            `select count(*)::int n from pg_stat_activity
              where datname = 'shelfnet' and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
          );
          return r.rows[0].n === 3;
        });

        const exitCode = api.stop('SIGTERM');
        await waitFor('the API to stop accepting connections', async () => (await tryConnect(api.port)) === 'refused');
        // still draining: the process waits for the requests it accepted
        expect(running(api)).toBe(true);
        expect(await tryConnect(api.port)).toBe('refused');
        await expect(fetch(`http://127.0.0.1:${api.port}/health`)).rejects.toThrow();

        await holder.query('rollback');
        await holder.end();

        const results = await Promise.all(inFlight);
        results.forEach((res, i) => {
          expect(res.status).toBe(200);
          expect(res.errors).toBeUndefined();
          expect(res.data!.updateItem).toMatchObject({ __typename: 'Item', id: copies[i].id, location: `Kho đóng, giá ${i + 1}` });
        });
        expect(await exitCode).toBe(0);
      } finally {
        await holder.end().catch(() => undefined);
      }

      // the changes made while shutting down were committed
      const again = await start(site);
      for (const [i, c] of copies.entries()) {
        const stored = await again.post<{ item: { id: string; location: string } }>({
          query: 'query($b: String!) { item(barcode: $b) { id location } }',
          variables: { b: c.barcode },
        });
        expect(stored.data!.item).toEqual({ id: c.id, location: `Kho đóng, giá ${i + 1}` });
      }
      const pg = postmasterPid(site.dataDir)!;
      expect(await again.stop('SIGTERM')).toBe(0);
      await expectPostgresStopped(site, pg);
    },
    LIFECYCLE_TIMEOUT,
  );

  test(
    'SIGINT (Ctrl-C in a development terminal) stops the API and its PostgreSQL like SIGTERM',
    async () => {
      const site = await freshSite();
      // development is what `npm start` runs in a terminal, where Ctrl-C is how one stops it
      const api = await start(site, { NODE_ENV: 'development' });
      expect(await libraryCount(api)).toBe(DEMO_LIBRARIES);
      const pg = postmasterPid(site.dataDir)!;
      expect(isAlive(pg)).toBe(true);

      expect(await api.stop('SIGINT')).toBe(0);
      const messages = logMessages(api);
      expect(messages).toEqual(expect.arrayContaining(['shutting down', 'embedded PostgreSQL stopped', 'stopped']));
      expect(messages).not.toContain('second signal: exiting now');
      await expectPostgresStopped(site, pg);
    },
    LIFECYCLE_TIMEOUT,
  );
});

describe('a data folder in use', () => {
  test(
    'a second start on it refuses with a clear error and leaves the first serving on its PostgreSQL',
    async () => {
      const site = await freshSite();
      const first = await start(site);
      const pg = postmasterPid(site.dataDir)!;
      const refused = await start(site).then(
        () => null,
        (err: Error) => err,
      );
      expect(refused?.message).toMatch(/in use by another Shelfnet process \(pid \d+\)/);
      expect(isAlive(pg)).toBe(true);
      expect(postmasterPid(site.dataDir)).toBe(pg);
      expect(running(first)).toBe(true);
      expect(await libraryCount(first)).toBe(DEMO_LIBRARIES);
      expect(await first.stop('SIGTERM')).toBe(0);
      await expectPostgresStopped(site, pg);
    },
    LIFECYCLE_TIMEOUT,
  );
});

describe('after a hard kill', () => {
  test(
    'PostgreSQL outlives a SIGKILLed API; the next start stops it and starts cleanly',
    async () => {
      const site = await freshSite();
      const killed = await start(site);
      const token = await killed.login('admin');
      const created = await killed.gql(CreateRecordDocument, { input: { title: 'Ghi trước khi mất điện' } }, { token });
      expect(created.data!.createRecord.__typename).toBe('BibliographicRecord');
      const orphanPg = postmasterPid(site.dataDir)!;

      expect(await killed.stop('SIGKILL')).toBeNull();
      expect(killed.child.signalCode).toBe('SIGKILL');
      // PostgreSQL runs in its own process group: killing the API does not take it down
      expect(isAlive(orphanPg)).toBe(true);
      expect(postmasterPid(site.dataDir)).toBe(orphanPg);
      expect(await portIsFree(site.pgPort)).toBe(false);

      const next = await start(site);
      expect(logMessages(next)).toContain('stopping a PostgreSQL server left running on this data folder');
      expect(isAlive(orphanPg)).toBe(false);
      const nextPg = postmasterPid(site.dataDir)!;
      expect(nextPg).not.toBe(orphanPg);
      expect(await libraryCount(next)).toBe(DEMO_LIBRARIES);
      const kept = await next.gql(RecordDocument, { id: (created.data!.createRecord as { id: string }).id });
      expect(kept.data!.record?.title).toBe('Ghi trước khi mất điện');

      expect(await next.stop('SIGTERM')).toBe(0);
      await expectPostgresStopped(site, nextPg);
    },
    LIFECYCLE_TIMEOUT,
  );
});

describe('SEED_DEMO=false', () => {
  test(
    'a fresh data folder starts with an empty network',
    async () => {
      const site = await freshSite();
      const api = await start(site, { SEED_DEMO: 'false' });
      expect(logMessages(api)).not.toContain('demo network seeded');
      expect(await libraryCount(api)).toBe(0);
      expect(await recordCount(api)).toBe(0);
      const login = await api.post<{ login: { __typename: string } }>({
        query: 'mutation { login(username: "admin", password: "shelfnet-demo") { __typename } }',
      });
      expect(login.data!.login.__typename).not.toBe('AuthPayload');

      const pg = postmasterPid(site.dataDir)!;
      expect(await api.stop('SIGTERM')).toBe(0);
      await expectPostgresStopped(site, pg);
    },
    LIFECYCLE_TIMEOUT,
  );
});
