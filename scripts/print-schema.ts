import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { AuthService } from '../src/modules/auth/auth.service';
import { TokenService } from '../src/modules/auth/tokens';
import { createSchema } from '../src/server/schema';

/** The SDL of the API as the code defines it (sorted, so diffs show real changes only). */
export async function printedSchema(): Promise<string> {
  const schema = await createSchema(new AuthService(new TokenService('x'.repeat(32), 60)));
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

/** npm runs scripts from the package root. */
export const SCHEMA_FILE = path.resolve(process.cwd(), 'schema', 'schema.graphql');

async function main(): Promise<void> {
  const sdl = await printedSchema();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    if (current !== sdl) {
      process.stderr.write('schema/schema.graphql is stale: run `npm run schema` and commit it\n');
      process.exit(1);
    }
    return;
  }
  fs.writeFileSync(SCHEMA_FILE, sdl);
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
