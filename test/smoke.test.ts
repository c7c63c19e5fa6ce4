import { SearchWithFacetsDocument } from './__generated__/operations';
import { TestEnv, TestServer } from './support/harness';

const env = new TestEnv();
let api: TestServer;

beforeAll(async () => {
  api = await env.server();
});
afterAll(() => env.close());

test('the demo network answers a search', async () => {
  const res = await api.gql(SearchWithFacetsDocument, { query: 'truyen kieu', first: 5 });
  expect(res.errors).toBeUndefined();
  expect(res.data!.searchCatalog.edges[0].node.title).toBe('Truyện Kiều');
  expect(res.data!.searchCatalog.totalCount).toBeGreaterThan(0);
});
