// The three requests the benchmark sends, as a list UI would: one page of 50 with the total, each row
// with its contact and tags. The floor (floor.ts) answers the same operations with the same JSON.
const page = `
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id caseNumber subject status lastMessageAt contact { name emails } tags { name } } }`;

export const queries = {
  inbox: {
    label: 'inbox page',
    operationName: 'InboxPage',
    query: `query InboxPage($inboxId: ID!) {\n  conversations(first: 50, filter: { inboxId: $inboxId }) {${page}\n  }\n}`,
  },
  folder: {
    label: 'smart-folder page',
    operationName: 'FolderPage',
    query: `query FolderPage($smartFolderId: ID!) {\n  conversations(first: 50, filter: { smartFolderId: $smartFolderId }) {${page}\n  }\n}`,
  },
  search: {
    label: 'text search',
    operationName: 'SearchPage',
    query: `query SearchPage($search: String!) {\n  conversations(first: 50, filter: { search: $search }) {${page}\n  }\n}`,
  },
} as const;

export type QueryName = keyof typeof queries;
export const queryNames = Object.keys(queries) as QueryName[];

/** Relay global ID, as @pothos/plugin-relay encodes it. */
export const globalId = (typename: string, id: string) => Buffer.from(`${typename}:${id}`).toString('base64');

export interface BenchTarget {
  inboxId: string;
  smartFolderId: string;
  search: string;
  agentToken: string;
}

/** The JSON body of each request (already serialised: the load generator sends bytes). */
export function requestBodies(target: BenchTarget): Record<QueryName, string> {
  const variables: Record<QueryName, Record<string, string>> = {
    inbox: { inboxId: globalId('Inbox', target.inboxId) },
    folder: { smartFolderId: globalId('SmartFolder', target.smartFolderId) },
    search: { search: target.search },
  };
  return Object.fromEntries(
    queryNames.map((name) => [name, JSON.stringify({ operationName: queries[name].operationName, query: queries[name].query, variables: variables[name] })]),
  ) as Record<QueryName, string>;
}
