import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  GraphQLSchema,
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  parse,
  validate,
} from 'graphql';
import { ROOT, TestEnv, TestServer } from './support/harness';

const SCHEMA_FILE = path.join(ROOT, 'schema', 'schema.graphql');
const PRINT_SCHEMA = path.join(ROOT, 'dist', 'scripts', 'print-schema.js');

function committedSchema(): GraphQLSchema {
  return buildSchema(fs.readFileSync(SCHEMA_FILE, 'utf8'));
}

describe('schema/schema.graphql, the contract partners code against', () => {
  test('is what the code defines (`print-schema --check` passes)', () => {
    const run = spawnSync(process.execPath, [PRINT_SCHEMA, '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);

    // printedSchema() itself, required by plain node (jest's module loader cannot load the ESM-only jose)
    const printed = spawnSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(PRINT_SCHEMA)}).printedSchema().then((sdl) => process.stdout.write(sdl))`],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    expect(printed.status).toBe(0);
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(printed.stdout);
  });

  test('`print-schema --check` fails on a stale copy and says how to fix it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelfnet-schema-'));
    try {
      fs.mkdirSync(path.join(dir, 'schema'));
      // a field the code no longer has: the committed contract would lie to partners
      const stale = fs.readFileSync(SCHEMA_FILE, 'utf8').replace('type Query {', 'type Query {\n  removedLongAgo: Int\n');
      fs.writeFileSync(path.join(dir, 'schema', 'schema.graphql'), stale);
      const run = spawnSync(process.execPath, [PRINT_SCHEMA, '--check'], { cwd: dir, encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('npm run schema');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('describes every type, field, argument, enum value and input field', () => {
    const schema = committedSchema();
    const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean));
    const described = (d: string | null | undefined) => typeof d === 'string' && d.trim().length > 0;
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
      // Query, Mutation and Subscription are described by their fields
      if (!roots.has(type as never) && !described(type.description)) missing.push(`type ${type.name}`);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!described(field.description)) missing.push(`field ${type.name}.${field.name}`);
          for (const arg of field.args) if (!described(arg.description)) missing.push(`argument ${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!described(field.description)) missing.push(`input field ${type.name}.${field.name}`);
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!described(value.description)) missing.push(`enum value ${type.name}.${value.name}`);
      }
    }
    // the list itself is the failure message: what a partner developer would find undocumented
    expect(missing).toEqual([]);
  });
});

describe('codegen.yml', () => {
  test('generates the typed operations from the committed schema and test/**/*.graphql', () => {
    const file = path.join(ROOT, 'codegen.yml');
    expect(fs.existsSync(file)).toBe(true);
    const yml = fs.readFileSync(file, 'utf8');
    expect(yml).toMatch(/^schema:\s*['"]?schema\/schema\.graphql['"]?\s*$/m);
    expect(yml).toMatch(/^documents:\s*['"]?test\/\*\*\/\*\.graphql['"]?\s*$/m);
  });
});

describe('GraphiQL and health, over HTTP', () => {
  const env = new TestEnv();
  let api: TestServer;
  let origin: string;
  let html: string;

  beforeAll(async () => {
    api = await env.server();
    origin = `http://127.0.0.1:${api.port}`;
    const res = await fetch(`${origin}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    html = await res.text();
  });
  afterAll(() => env.close());

  /** `src` of every script and `href` of every stylesheet link on the page. */
  function assetUrls(page: string): string[] {
    const scripts = [...page.matchAll(/<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]);
    const links = [...page.matchAll(/<link\b[^>]*\bhref\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]);
    return [...scripts, ...links];
  }

  function defaultTabs(page: string): { query: string; variables?: string }[] {
    const m = /defaultTabs:\s*(\[.*\]),?\s*$/m.exec(page);
    expect(m).not.toBeNull();
    return JSON.parse(m![1]);
  }

  test('a browser opening /graphql gets a GraphiQL page that loads nothing from the internet', async () => {
    const urls = assetUrls(html);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const url of urls) {
      expect(url).not.toMatch(/^(https?:)?\/\//i);
      expect(url).toMatch(/^\//);
    }
    for (const url of urls) {
      const res = await fetch(`${origin}${url}`);
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
      const type = res.headers.get('content-type') ?? '';
      const body = await res.text();
      expect(body.length).toBeGreaterThan(1000);
      if (url.endsWith('.css')) {
        expect(type).toMatch(/^text\/css/);
        // fonts and images are inlined: the stylesheet fetches nothing either
        expect(body).not.toMatch(/url\(\s*['"]?(https?:)?\/\//i);
        expect(body).not.toMatch(/@import/i);
      } else {
        expect(url).toMatch(/\.js$/);
        expect(type).toMatch(/^(text|application)\/javascript/);
      }
    }
  });

  test('its default tabs hold the demo queries, valid against the schema and answered by the API', async () => {
    const tabs = defaultTabs(html);
    expect(tabs.length).toBeGreaterThanOrEqual(3);
    expect(tabs.some((t) => t.query.includes('searchCatalog'))).toBe(true);
    expect(tabs.some((t) => t.query.includes('libraries'))).toBe(true);
    expect(tabs.some((t) => /mutation\s+\w*\s*{\s*login/.test(t.query))).toBe(true);

    const schema = committedSchema();
    for (const tab of tabs) {
      expect(validate(schema, parse(tab.query)).map((e) => e.message)).toEqual([]);
      const variables = tab.variables ? JSON.parse(tab.variables) : undefined;
      // a staff tab says whom to sign in as on its first line
      const who = /^# Sign in as ([a-z.-]+)/.exec(tab.query)?.[1];
      const res = await api.post<Record<string, unknown>>({ query: tab.query, variables }, { token: who ? await api.login(who) : null });
      expect({ query: tab.query, errors: res.errors }).toEqual({ query: tab.query, errors: undefined });
      expect(res.status).toBe(200);
    }
    // the first tab is the diacritics-free search of the demo network
    const search = await api.post<{ searchCatalog: { edges: { node: { title: string } }[] } }>({
      query: tabs[0].query,
      variables: JSON.parse(tabs[0].variables!),
    });
    expect(search.data!.searchCatalog.edges[0].node.title).toBe('Truyện Kiều');
  });

  test('GET /health answers {"status":"ok"}', async () => {
    const res = await fetch(`${origin}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});
