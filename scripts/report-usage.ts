import 'reflect-metadata';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { createOrm, migrate } from '../src/db/orm';
import { query } from '../src/db/sql';
import { counterItemReport } from '../src/modules/eresources/counter-report';

/**
 * `npm run report:usage -- --from 2026-01 --to 2026-12 [--library BDI-PL] [--out ir.tsv]` writes the
 * digital library's usage as a COUNTER 5.1 Item Report (TSV), for one owning library or the whole
 * network, against DATABASE_URL or the embedded database (also while the API runs on it).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, library: { type: 'string' }, out: { type: 'string' } } });
  if (!values.from || !values.to) {
    process.stderr.write('usage: npm run report:usage -- --from yyyy-mm[-dd] --to yyyy-mm[-dd] [--library CODE] [--out file.tsv]\n');
    process.exit(2);
  }
  const config = loadConfig();
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const db = await openDatabase(config, logger, { reuseRunning: true });
  const orm = await createOrm({ url: db.url, poolSize: 2 });
  try {
    await migrate(orm);
    const em = orm.em.fork() as EntityManager;
    let libraryId: number | null = null;
    let institutionName = 'Mạng lưới thư viện (toàn mạng)';
    let institutionId = 'Proprietary:Shelfnet:NETWORK';
    if (values.library) {
      const lib = await query<{ id: string; name: string; code: string }>(em, 'select id, name, code from libraries where code = ?', [values.library.trim().toUpperCase()]);
      if (!lib[0]) throw new Error(`no library has the code ${values.library}`);
      libraryId = Number(lib[0].id);
      institutionName = lib[0].name;
      institutionId = `Proprietary:Shelfnet:${lib[0].code}`;
    }
    const tsv = await counterItemReport(em, { from: values.from, to: values.to, libraryId, institutionName, institutionId });
    if (values.out) {
      fs.writeFileSync(values.out, tsv);
      process.stderr.write(`wrote ${values.out}\n`);
    } else {
      process.stdout.write(tsv);
    }
  } catch (err) {
    process.stderr.write(`report:usage: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await orm.close(true);
    await db.embedded?.stop();
  }
}

void main();
