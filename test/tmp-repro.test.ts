import { TestEnv } from './support/harness';
import { RawSocket } from './support/security';
const env = new TestEnv();
afterAll(() => env.close());
test('repro', async () => {
  const api = await env.server({ env: { LOG_LEVEL: 'info' } });
  const token = await api.login('admin');
  let v: unknown = 1; for (let i = 0; i < 2000; i++) v = { a: v };
  const r = await api.post({ query: 'mutation Fuzz($input: UpdateRecordInput!) { updateRecord(input: $input) { __typename } }', variables: { input: { id: 'x', zzz: v } } }, { token });
  console.log(r.status, JSON.stringify(r).slice(0, 600));
  let w: unknown = 1; for (let i = 0; i < 2000; i++) w = [w];
  const r2 = await api.post({ query: 'query($q: String) { searchCatalog(query: $q) { totalCount } }', variables: { q: w } });
  console.log(r2.status, JSON.stringify(r2).slice(0, 400));
  for (const m of ['null', '[]', '{"type":"connection_init","payload":null}', '{"type":"connection_init","payload":[]}', '{"type":"connection_init","payload":"x"}', '{"type":"connection_init","payload":{"authorization":5}}', '{"type":"connection_init","payload":{"authorization":{"a":1}}}']) {
    const ws = new RawSocket(api); await ws.opened; ws.send(m);
    const c = await Promise.race([ws.closed, new Promise((res) => setTimeout(() => res('open'), 500))]);
    console.log(m, JSON.stringify(c)); ws.close();
  }
  await new Promise((res) => setTimeout(res, 300));
  console.log(api.logs.filter((l) => /internal error|request failed|"level":50|"level":40/.test(l)).map((l) => l.slice(0, 700)).join('\n'));
  expect(1).toBe(1);
});
