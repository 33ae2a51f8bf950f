// The floor: a plain node:http handler that answers the benchmark's three operations with the same
// statements Prisma sends for them (same tables, filters, order, IN lists and COUNT form; captured with
// sql-counter.ts) and the same JSON, but with no GraphQL, no Prisma and no per-request allocation beyond
// the rows. It dispatches on operationName and reads only the variables it needs; it authenticates the
// bearer token against ApiToken once and then from a map. It is not a product: it knows one rule shape.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sqliteFilePath } from './paths.js';
import { countStatement } from './sql-counter.js';
import { globalId } from './queries.js';

type Param = string | number | boolean | null;
type Row = Record<string, any>;

interface FloorDb {
  provider: 'sqlite' | 'postgresql';
  all(sql: string, params: Param[]): Promise<Row[]>;
  close(): Promise<void>;
}

function openSqlite(url: string): FloorDb {
  const db = new Database(sqliteFilePath(url), { timeout: 10_000 });
  // The same connection settings as packages/server/src/db/database.ts.
  db.pragma('journal_mode = WAL');
  db.pragma('cache_size = -65536');
  // A plain better-sqlite3 program keeps its prepared statements; Prisma's adapter prepares each time.
  const statements = new Map<string, Database.Statement>();
  return {
    provider: 'sqlite',
    async all(sql, params) {
      countStatement(sql);
      let stmt = statements.get(sql);
      if (!stmt) {
        if (statements.size > 500) statements.clear();
        stmt = db.prepare(sql);
        statements.set(sql, stmt);
      }
      return stmt.all(...params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p))) as Row[];
    },
    async close() {
      db.close();
    },
  };
}

function openPg(url: string, max: number): FloorDb {
  // TIMESTAMP(3) columns hold UTC, as Prisma writes them.
  const types = {
    getTypeParser: (oid: number, format?: string) =>
      oid === 1114 ? (s: string) => new Date(`${s.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({ connectionString: url, max, types: types as never });
  return {
    provider: 'postgresql',
    async all(sql, params) {
      countStatement(sql);
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      return (await pool.query({ text, values: params })).rows;
    },
    async close() {
      await pool.end();
    },
  };
}

const conversationColumns = (provider: FloorDb['provider']) =>
  ['id', 'workspaceId', 'number', 'inboxId', 'contactId', 'subject', 'subjectKey', provider === 'postgresql' ? 'status"::text AS "status' : 'status', 'spam', 'assigneeId', provider === 'postgresql' ? 'priority"::text AS "priority' : 'priority', 'linkedToId', 'lastMessageAt', 'createdAt', 'updatedAt']
    .map((c) => `c."${c}"`)
    .join(', ');

interface ListFilter {
  /** FROM … WHERE … after the conversation table, with its parameters. */
  join: string;
  where: string;
  params: Param[];
}

const list = {
  inbox: (workspaceId: string, inboxId: string): ListFilter => ({
    join: '',
    where: 'c."workspaceId" = ? AND c."spam" = ? AND c."inboxId" = ?',
    params: [workspaceId, false, inboxId],
  }),
  folder: (provider: FloorDb['provider'], workspaceId: string, rule: { tag: string; status: string; email: string }): ListFilter => ({
    join: 'LEFT JOIN "Contact" AS j2 ON (j2."id") = (c."contactId")',
    where: `c."workspaceId" = ? AND c."spam" = ?
      AND EXISTS(SELECT t0."conversationId" FROM "ConversationTag" AS t0 LEFT JOIN "Tag" AS j1 ON (j1."id") = (t0."tagId")
                 WHERE (j1."nameKey" = ? AND (j1."id" IS NOT NULL) AND (c."id") = (t0."conversationId") AND t0."conversationId" IS NOT NULL))
      AND c."status" = ${provider === 'postgresql' ? 'CAST(? AS "ConversationStatus")' : '?'}
      AND (EXISTS(SELECT t3."contactId" FROM "ContactEmail" AS t3
                  WHERE (t3."address" LIKE ('%' || ? || '%') AND (j2."id") = (t3."contactId") AND t3."contactId" IS NOT NULL))
           AND (j2."id" IS NOT NULL))`,
    params: [workspaceId, false, rule.tag, rule.status, rule.email],
  }),
  search: (workspaceId: string, search: string): ListFilter => ({
    join: 'LEFT JOIN "Contact" AS j0 ON (j0."id") = (c."contactId")',
    where: `c."workspaceId" = ? AND c."spam" = ?
      AND (c."subjectKey" LIKE ('%' || ? || '%') OR (j0."searchText" LIKE ('%' || ? || '%') AND (j0."id" IS NOT NULL)))`,
    params: [workspaceId, false, search, search],
  }),
};

const inList = (n: number) => Array(n).fill('?').join(',');
const iso = (v: string | Date) => (v instanceof Date ? v : new Date(v)).toISOString();
const cursorOf = (id: string) => Buffer.from(`GPC:S:${id}`).toString('base64');

/** One page of 50 plus the total, in the order Prisma runs them: page, its relations, then COUNT. */
async function conversationsPage(db: FloorDb, filter: ListFilter) {
  const page = await db.all(
    `SELECT ${conversationColumns(db.provider)} FROM "Conversation" AS c ${filter.join} WHERE (${filter.where})
     ORDER BY c."lastMessageAt" DESC, c."id" DESC LIMIT ? OFFSET ?`,
    [...filter.params, 51, 0],
  );
  const rows = page.slice(0, 50);
  // Like Prisma: relations of all 51 rows, IN lists not deduplicated.
  const conversationIds = page.map((r) => r.id as string);
  const inboxIds = page.map((r) => r.inboxId as string);
  const contactIds = page.map((r) => r.contactId as string);
  const [inboxes, contacts, links, emails] = page.length
    ? [
        await db.all(`SELECT "id", "casePrefix" FROM "Inbox" WHERE "id" IN (${inList(inboxIds.length)})`, inboxIds),
        await db.all(
          `SELECT "id", "workspaceId", "name", "nameKey", "searchText", "blocked", "blockedAt", "createdAt" FROM "Contact" WHERE "id" IN (${inList(contactIds.length)})`,
          contactIds,
        ),
        await db.all(
          `SELECT "conversationId", "tagId" FROM "ConversationTag" WHERE "conversationId" IN (${inList(conversationIds.length)}) ORDER BY "createdAt" ASC`,
          conversationIds,
        ),
        await db.all(
          `SELECT "id", "address", "contactId" FROM "ContactEmail" WHERE "contactId" IN (${inList(contactIds.length)}) ORDER BY "createdAt" ASC`,
          contactIds,
        ),
      ]
    : [[], [], [], []];
  const tagIds = links.map((l) => l.tagId as string);
  const tags = tagIds.length
    ? await db.all(`SELECT "id", "workspaceId", "name", "nameKey", "color", "createdAt" FROM "Tag" WHERE "id" IN (${inList(tagIds.length)})`, tagIds)
    : [];
  const [countRow] = await db.all(
    `SELECT COUNT(*) AS "count" FROM (SELECT c."id" FROM "Conversation" AS c ${filter.join} WHERE (${filter.where}) ${db.provider === 'sqlite' ? 'LIMIT -1 OFFSET 0' : 'OFFSET 0'}) AS sub`,
    filter.params,
  );

  const prefix = new Map(inboxes.map((i) => [i.id, i.casePrefix]));
  const contactName = new Map(contacts.map((c) => [c.id, c.name]));
  const emailsOf = new Map<string, string[]>();
  for (const e of emails) (emailsOf.get(e.contactId) ?? emailsOf.set(e.contactId, []).get(e.contactId)!).push(e.address);
  const tagName = new Map(tags.map((t) => [t.id, t.name]));
  const tagsOf = new Map<string, Array<{ name: string }>>();
  for (const l of links) (tagsOf.get(l.conversationId) ?? tagsOf.set(l.conversationId, []).get(l.conversationId)!).push({ name: tagName.get(l.tagId) });
  return {
    totalCount: Number(countRow?.count),
    pageInfo: { hasNextPage: page.length > 50, endCursor: rows.length ? cursorOf(rows[rows.length - 1]!.id) : null },
    edges: rows.map((r) => ({
      node: {
        id: globalId('Conversation', r.id),
        caseNumber: `${prefix.get(r.inboxId)}-${r.number}`,
        subject: r.subject,
        status: r.status,
        lastMessageAt: iso(r.lastMessageAt),
        contact: { name: contactName.get(r.contactId), emails: emailsOf.get(r.contactId) ?? [] },
        tags: tagsOf.get(r.id) ?? [],
      },
    })),
  };
}

const decodeGlobalId = (id: string) => Buffer.from(id, 'base64').toString('utf8').split(':')[1] ?? '';

/** The rule shape the benchmark's folder uses: all of tag IS, status IS, contact email CONTAINS. */
function folderRule(stored: unknown) {
  const all = (typeof stored === 'string' ? JSON.parse(stored) : stored)?.all as Array<{ field: string; operator: string; value: string }>;
  const find = (field: string, operator: string) => all?.find((c) => c.field === field && c.operator === operator)?.value;
  const rule = { tag: find('CONVERSATION_TAG', 'IS')?.toLowerCase(), status: find('STATUS', 'IS'), email: find('CONTACT_EMAIL', 'CONTAINS')?.toLowerCase() };
  if (all?.length !== 3 || !rule.tag || !rule.status || !rule.email) throw new Error('The floor only knows the benchmark folder rule.');
  return rule as { tag: string; status: string; email: string };
}

export interface Floor {
  server: Server;
  listen(): Promise<number>;
  close(): Promise<void>;
}

export function createFloor(url: string, options: { pgPoolSize: number }): Floor {
  const db = url.startsWith('file:') ? openSqlite(url) : openPg(url, options.pgPoolSize);
  const identities = new Map<string, { workspaceId: string } | null>();

  async function identify(authorization: string | undefined) {
    const secret = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!secret) return null;
    const hash = createHash('sha256').update(secret).digest('hex');
    if (!identities.has(hash)) {
      const [token] = await db.all('SELECT "workspaceId", "revokedAt" FROM "ApiToken" WHERE "secretHash" = ?', [hash]);
      identities.set(hash, token && !token.revokedAt ? { workspaceId: token.workspaceId } : null);
    }
    return identities.get(hash)!;
  }

  async function answer(body: { operationName?: string; variables?: Record<string, string> }, workspaceId: string) {
    const v = body.variables ?? {};
    switch (body.operationName) {
      case 'InboxPage':
        return conversationsPage(db, list.inbox(workspaceId, decodeGlobalId(v.inboxId!)));
      case 'FolderPage': {
        const [folder] = await db.all('SELECT "rules" FROM "SmartFolder" WHERE "id" = ? AND "workspaceId" = ?', [decodeGlobalId(v.smartFolderId!), workspaceId]);
        if (!folder) throw new Error('no such folder');
        return conversationsPage(db, list.folder(db.provider, workspaceId, folderRule(folder.rules)));
      }
      case 'SearchPage':
        return conversationsPage(db, list.search(workspaceId, v.search!.trim().toLowerCase()));
      default:
        throw new Error(`unknown operation ${body.operationName}`);
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const identity = await identify(req.headers.authorization);
        if (!identity) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"message":"unauthenticated"}]}');
          return;
        }
        const conversations = await answer(JSON.parse(Buffer.concat(chunks).toString('utf8')), identity.workspaceId);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ data: { conversations } }));
      } catch (error) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: String(error) }] }));
      }
    });
  });
  return {
    server,
    listen: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}
