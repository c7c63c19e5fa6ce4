import path from 'node:path';
import express from 'express';

/**
 * GraphiQL served from our own node_modules (graphiql 3 UMD bundle with React 18), so it works on a
 * network without internet. The demo queries open as tabs.
 */
const ASSETS: Record<string, string> = {
  'react.production.min.js': 'react/umd/react.production.min.js',
  'react-dom.production.min.js': 'react-dom/umd/react-dom.production.min.js',
  'graphiql.min.js': 'graphiql/graphiql.min.js',
  'graphiql.min.css': 'graphiql/graphiql.min.css',
};

export const DEMO_QUERIES: { title: string; query: string; variables?: string }[] = [
  {
    title: 'Search without diacritics',
    query: `# Search the union catalog: "truyen kieu" finds "Truyện Kiều".
query Search($q: String = "truyen kieu") {
  searchCatalog(query: $q, first: 10) {
    totalCount
    facets { formats { format count } libraries { library { code name } count } }
    edges {
      score
      node {
        id title contributors { name role } year isbns
        availableCount libraryCount
        holdings { library { code name } totalCount availableCount }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
    variables: '{ "q": "truyen kieu" }',
  },
  {
    title: 'Available copies in a district',
    query: `query AvailableIn {
  searchCatalog(query: "lich su", filter: { libraryCodes: ["BDI-TS"], availableOnly: true }, first: 5) {
    totalCount
    edges { node { title holdings { library { code } availableCount items(first: 3) { edges { node { barcode status callNumber } } } } } }
  }
}`,
  },
  {
    title: 'Libraries of the network',
    query: `query Libraries {
  libraries(first: 30) {
    totalCount
    edges { node { code name kind parent { code } lendsToNetwork } }
  }
}`,
  },
  {
    title: 'Sign in (then set the Authorization header)',
    query: `# Copy the token into Headers: { "Authorization": "Bearer <token>" }
mutation Login {
  login(username: "admin", password: "shelfnet-demo") {
    ... on AuthPayload { token expiresAt account { username role } }
    ... on ErrorResult { errorCode message }
  }
}`,
  },
  {
    title: 'Resource sharing: a lending queue',
    query: `# Sign in as librarian.bdi-pl (tab "Sign in", username librarian.bdi-pl) and set the Authorization header.
# Requests other libraries asked the provincial library to supply, newest first.
query LendingQueue {
  illRequests(filter: { libraryCode: "BDI-PL", side: LENDING }, first: 10) {
    totalCount
    edges {
      node {
        id requesterState supplierState iso18626Status needsAttention allowedActions
        requestingLibrary { code name } citation { title author }
        rota { position library { code } status rankReason }
      }
    }
  }
}`,
  },
];

export function graphiqlAssets(): express.Router {
  const router = express.Router();
  for (const [name, rel] of Object.entries(ASSETS)) {
    const [pkg, ...rest] = rel.split('/');
    const file = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), ...rest);
    router.get(`/${name}`, (_req, res) => {
      res.sendFile(file, { maxAge: '1d', headers: { 'Content-Type': name.endsWith('.css') ? 'text/css' : 'text/javascript' } });
    });
  }
  return router;
}

export function graphiqlHtml(endpoint: string): string {
  const tabs = JSON.stringify(DEMO_QUERIES.map((q) => ({ query: q.query, variables: q.variables ?? '' })));
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Shelfnet GraphiQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/graphiql/graphiql.min.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql/react.production.min.js"></script>
  <script src="/graphiql/react-dom.production.min.js"></script>
  <script src="/graphiql/graphiql.min.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: ${JSON.stringify(endpoint)} });
    const root = ReactDOM.createRoot(document.getElementById('graphiql'));
    root.render(React.createElement(GraphiQL, {
      fetcher,
      defaultEditorToolsVisibility: true,
      defaultTabs: ${tabs.replace(/</g, '\\u003c')},
    }));
  </script>
</body>
</html>`;
}
