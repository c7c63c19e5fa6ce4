import 'reflect-metadata';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { createOrm, migrate } from '../src/db/orm';
import { StaffRole } from '../src/modules/auth/account.entity';
import { upsertStaffAccount } from '../src/modules/auth/auth.service';

/**
 * `npm run create-admin -- --username U --password P` creates (or resets) a network admin, against
 * DATABASE_URL or the embedded database (reusing it when the API is running on it).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { username: { type: 'string' }, password: { type: 'string' }, 'display-name': { type: 'string' } },
  });
  if (!values.username || !values.password) {
    process.stderr.write('usage: npm run create-admin -- --username NAME --password SECRET [--display-name "Name"]\n');
    process.exit(2);
  }
  const config = loadConfig();
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const db = await openDatabase(config, logger, { reuseRunning: true });
  const orm = await createOrm({ url: db.url, poolSize: 2 });
  try {
    await migrate(orm);
    const account = await upsertStaffAccount(orm.em.fork(), {
      username: values.username,
      password: values.password,
      role: StaffRole.NETWORK_ADMIN,
      libraryId: null,
      displayName: values['display-name'] ?? null,
    });
    process.stdout.write(`network admin "${account.username}" is ready\n`);
  } catch (err) {
    process.stderr.write(`create-admin: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await orm.close(true);
    await db.embedded?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
