// Seeds one workspace with a realistic help-desk load: N conversations over ~N/5 contacts, several inboxes,
// a few tags spread over conversations, 1–3 messages each. The workspace, agents, inboxes and the smart
// folder go through the domain (as a real install would); the bulk rows go in as multi-row inserts
// (openBulkWriter), because the per-message domain path (receiveEmail) would take hours for 100,000
// conversations and even Prisma's createMany takes minutes.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Db } from '../../packages/server/src/db/database.js';
import type { Caller } from '../../packages/server/src/domain/shared/deps.js';
import { sqliteFilePath } from './paths.js';

/** The server's domain functions, from the copy of packages/server being measured. */
async function domain(serverDir: string) {
  const load = <T>(path: string) => import(pathToFileURL(join(serverDir, 'src', path)).href) as Promise<T>;
  return {
    ...(await load<typeof import('../../packages/server/src/events/bus.js')>('events/bus.ts')),
    ...(await load<typeof import('../../packages/server/src/domain/inboxes/inboxes.js')>('domain/inboxes/inboxes.ts')),
    ...(await load<typeof import('../../packages/server/src/domain/smart-folders/smart-folders.js')>('domain/smart-folders/smart-folders.ts')),
    ...(await load<typeof import('../../packages/server/src/domain/tokens/tokens.js')>('domain/tokens/tokens.ts')),
    ...(await load<typeof import('../../packages/server/src/domain/workspaces/workspaces.js')>('domain/workspaces/workspaces.ts')),
  };
}

export interface SeedOptions {
  conversations: number;
  /** The packages/server copy whose domain functions create the workspace, inboxes and folder. */
  serverDir: string;
  /** Same seed, same data: both databases get identical rows. */
  seed?: number;
}

export interface Seeded {
  workspaceId: string;
  agentId: string;
  /** Bearer secret of an agent (not admin) token. */
  agentToken: string;
  /** The largest inbox, the one the inbox-page query lists. */
  inboxId: string;
  smartFolderId: string;
  /** The folder's rule, for the record. */
  folderRule: string;
  search: string;
  counts: Record<string, number>;
  seconds: number;
}

/** Deterministic PRNG (mulberry32), so both databases hold the same data set. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  /** Picks by weight; `weights` need not sum to 1. */
  const weighted = <T>(xs: readonly (readonly [T, number])[]) => {
    const total = xs.reduce((s, [, w]) => s + w, 0);
    let r = next() * total;
    for (const [x, w] of xs) if ((r -= w) < 0) return x;
    return xs[xs.length - 1]![0];
  };
  /** Zipf-like index in [0, n): a few values are common, most are rare. */
  const skewed = (n: number, s = 1.1) => Math.min(n - 1, Math.floor(n * Math.pow(next(), s * 3)));
  return { next, int, pick, weighted, skewed };
}

const FIRST = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia', 'Tim', 'Hedy', 'John', 'Katherine', 'Guido', 'Sophie', 'Niklaus', 'Anita', 'Bjarne', 'Léa', 'José', 'Zoë', 'Chloé', 'Mateo', 'Yuki', 'Priya', 'Omar', 'Ingrid', 'Tomás'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Dijkstra', 'Perlman', 'Berners-Lee', 'Lamarr', 'Backus', 'Johnson', 'van Rossum', 'Wilson', 'Wirth', 'Borg', 'Stroustrup', 'Dubois', 'García', 'Müller', 'Nakamura', 'Patel', 'Haddad', 'Larsen', 'Silva', 'Kowalski', 'Nguyen'];
// Company domains first: a few big customers, then a long tail; free-mail providers are common too.
const COMPANY_DOMAINS = ['acme.com', 'globex.com', 'initech.com', 'umbrella.io', 'hooli.com', 'stark.dev', 'wayne.co', 'wonka.org', 'tyrell.ai', 'cyberdyne.net', 'soylent.eu', 'aperture.fr', 'vandelay.de', 'dunder.co.uk', 'pied-piper.io', 'massive.dynamic', 'oscorp.us', 'gringotts.bank', 'monsters.inc', 'prestige.world'];
const FREE_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.fr', 'proton.me', 'gmx.de'];
const TAGS = ['billing', 'bug', 'feature-request', 'vip', 'refund', 'onboarding', 'urgent', 'feedback'] as const;
const TAG_WEIGHTS = [0.22, 0.18, 0.12, 0.05, 0.08, 0.1, 0.06, 0.09];
const SUBJECT_TOPICS = ['invoice', 'password reset', 'login problem', 'refund request', 'shipping delay', 'API rate limit', 'export to CSV', 'billing address', 'plan upgrade', 'cancel subscription', 'webhook failures', 'SSO setup', 'mobile app crash', 'data import', 'missing email', 'slow dashboard', 'two-factor authentication', 'GDPR request', 'integration with Slack', 'price question'];
const SUBJECT_FORMS = ['Re: {t}', '{t}', 'Question about {t}', 'Help with {t} please', 'URGENT: {t}', 'Fwd: {t}', '{t} (order #{n})', 'Problème : {t}'];
const WORDS = 'the a we our your account order invoice please thanks hello team issue since yesterday again still cannot when after update payment card error page loading export report customer users access settings email sent received attached screenshot urgent asap regards best kind help support ticket number reference plan annual monthly billing charged twice refund credit note address company vat'.split(' ');
const INBOXES = [
  { name: 'Support', casePrefix: 'SUP', weight: 0.5 },
  { name: 'Billing', casePrefix: 'BIL', weight: 0.2 },
  { name: 'Sales', casePrefix: 'SAL', weight: 0.15 },
  { name: 'Partners', casePrefix: 'PAR', weight: 0.1 },
  { name: 'Press', casePrefix: 'PRS', weight: 0.05 },
] as const;

/** cuid-shaped ids (25 chars, 'c' + base36), unique within the run. */
function idMaker(rand: () => number) {
  let counter = 0;
  const stamp = Date.now().toString(36);
  return () => {
    counter++;
    const r = Math.floor(rand() * 36 ** 8).toString(36).padStart(8, '0');
    return `c${stamp}${counter.toString(36).padStart(8, '0')}${r}`.slice(0, 25).padEnd(25, '0');
  };
}

type Row = Record<string, string | number | boolean | Date | null>;

/**
 * Multi-row inserts straight through the driver, in one transaction per table: Prisma's createMany
 * costs about 0.4 ms a row here (mapping every value in JS), which is minutes for 500,000 rows.
 * Values are written the way Prisma writes them (SQLite: ISO text with "+00:00", booleans 0/1).
 */
export interface BulkWriter {
  insert(table: string, rows: Row[]): Promise<void>;
  close(): Promise<void>;
}

export async function openBulkWriter(url: string): Promise<BulkWriter> {
  if (url.startsWith('file:')) {
    const { default: Database } = await import('better-sqlite3');
    const sqlite = new Database(sqliteFilePath(url), { timeout: 10_000 });
    const toSqlite = (v: Row[string]) => (v instanceof Date ? v.toISOString().replace('Z', '+00:00') : typeof v === 'boolean' ? (v ? 1 : 0) : v);
    return {
      async insert(table, rows) {
        if (rows.length === 0) return;
        const columns = Object.keys(rows[0]!);
        const perStatement = Math.max(1, Math.floor(30_000 / columns.length));
        const tuple = `(${columns.map(() => '?').join(',')})`;
        const head = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(',')}) VALUES `;
        const full = sqlite.prepare(head + Array(Math.min(perStatement, rows.length)).fill(tuple).join(','));
        sqlite.transaction(() => {
          for (let i = 0; i < rows.length; i += perStatement) {
            const chunk = rows.slice(i, i + perStatement);
            const stmt = chunk.length === perStatement ? full : sqlite.prepare(head + Array(chunk.length).fill(tuple).join(','));
            stmt.run(chunk.flatMap((row) => columns.map((c) => toSqlite(row[c]!))));
          }
        })();
      },
      async close() {
        sqlite.close();
      },
    };
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async insert(table, rows) {
      if (rows.length === 0) return;
      const columns = Object.keys(rows[0]!);
      // One array parameter per column, unnested: a single round trip per 20,000 rows.
      const { rows: types } = await client.query<{ column_name: string; udt_name: string }>(
        `SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
        [table],
      );
      const udt = new Map(types.map((t) => [t.column_name, t.udt_name]));
      const casts = columns.map((c, i) => `$${i + 1}::"${udt.get(c)}"[]`);
      const sql = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(',')}) SELECT * FROM unnest(${casts.join(',')})`;
      await client.query('BEGIN');
      for (let i = 0; i < rows.length; i += 20_000) {
        const chunk = rows.slice(i, i + 20_000);
        await client.query(sql, columns.map((c) => chunk.map((row) => (row[c] instanceof Date ? (row[c] as Date).toISOString() : row[c]))));
      }
      await client.query('COMMIT');
    },
    async close() {
      await client.end();
    },
  };
}

export async function seed(db: Db, url: string, options: SeedOptions): Promise<Seeded> {
  const started = performance.now();
  const { createEventBus, createInbox, createSmartFolder, issueToken, createWorkspace } = await domain(options.serverDir);
  const r = prng(options.seed ?? 42);
  const id = idMaker(r.next);
  const deps = { db, events: createEventBus() };
  const N = options.conversations;
  const contactsN = Math.max(10, Math.round(N / 5));
  const now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const DAY = 86_400_000;

  const created = await createWorkspace(db, { name: 'Bench', admin: { name: 'Admin', email: 'admin@bench.test' } });
  const workspaceId = created.workspace.id;
  const admin: Caller = { kind: 'agent', workspaceId, agentId: created.admin.id, role: 'ADMIN' };
  const agents = Array.from({ length: 12 }, (_, i) => ({ id: id(), workspaceId, name: `Agent ${i + 1}`, email: `agent${i + 1}@bench.test`, role: 'AGENT' as const }));
  await db.agent.createMany({ data: agents });
  const agentToken = await issueToken(db, { workspaceId, name: 'bench', scope: 'AGENT', agentId: agents[0]!.id });
  const inboxes = [];
  for (const inbox of INBOXES) {
    const row = await createInbox(deps, admin, {
      name: inbox.name,
      casePrefix: inbox.casePrefix,
      senderName: `Bench ${inbox.name}`,
      addresses: [`${inbox.name.toLowerCase()}@bench.test`],
    });
    inboxes.push([row.id, inbox.weight] as const);
  }
  const tags = TAGS.map((name) => ({ id: id(), workspaceId, name, nameKey: name, color: null }));
  await db.tag.createMany({ data: tags });

  // Contacts: 1 address (80%) or 2; company domains are Zipf-distributed, so "acme.com" is a big customer.
  const contacts: Array<Row & { id: string; name: string }> = [];
  const contactEmails: Row[] = [];
  const primaryEmail: string[] = [];
  const usedAddresses = new Set<string>();
  for (let i = 0; i < contactsN; i++) {
    const first = r.pick(FIRST);
    const last = r.pick(LAST);
    const name = `${first} ${last}`;
    const contactId = id();
    const createdAt = new Date(now - 400 * DAY + r.int(30 * DAY) + i * Math.floor((360 * DAY) / contactsN));
    const addresses: string[] = [];
    const n = r.next() < 0.8 ? 1 : 2;
    for (let k = 0; k < n; k++) {
      const domain = r.next() < 0.7 ? COMPANY_DOMAINS[r.skewed(COMPANY_DOMAINS.length)]! : r.pick(FREE_DOMAINS);
      const local = `${first}.${last}`.toLowerCase().normalize('NFD').replace(/[^a-z.]/g, '');
      let address = `${local}${k === 0 ? '' : '.alt'}@${domain}`;
      if (usedAddresses.has(address)) address = `${local}${i}${k === 0 ? '' : 'b'}@${domain}`;
      usedAddresses.add(address);
      addresses.push(address);
      contactEmails.push({ id: id(), workspaceId, contactId, address, createdAt: new Date(createdAt.getTime() + k) });
    }
    primaryEmail.push(addresses[0]!);
    contacts.push({ id: contactId, workspaceId, name, nameKey: name.toLowerCase(), searchText: [name, ...addresses].join(' ').toLowerCase(), createdAt });
  }
  const bulk = await openBulkWriter(url);
  await bulk.insert('Contact', contacts);
  await bulk.insert('ContactEmail', contactEmails);

  const conversations: Row[] = [];
  const conversationTags: Row[] = [];
  const messages: Row[] = [];
  const participants: Row[] = [];
  for (let i = 0; i < N; i++) {
    const conversationId = id();
    const contactIndex = r.skewed(contactsN, 0.6);
    const contactId = contacts[contactIndex]!.id;
    const from = primaryEmail[contactIndex]!;
    const subject = r
      .pick(SUBJECT_FORMS)
      .replace('{t}', r.pick(SUBJECT_TOPICS))
      .replace('{n}', String(10000 + r.int(90000)));
    // Spread over the last year, most recent activity densest.
    const lastMessageAt = new Date(now - Math.floor(365 * DAY * Math.pow(r.next(), 1.5)));
    const messageCount = 1 + r.int(3);
    const createdAt = new Date(lastMessageAt.getTime() - (messageCount - 1) * r.int(2 * DAY) - 1000);
    const status = r.weighted([
      ['WAITING_ON_AGENT', 0.35],
      ['WAITING_ON_CUSTOMER', 0.25],
      ['CLOSED', 0.4],
    ] as const);
    conversations.push({
      id: conversationId,
      workspaceId,
      number: i + 1,
      inboxId: r.weighted(inboxes),
      contactId,
      subject,
      subjectKey: subject.toLowerCase(),
      status,
      spam: r.next() < 0.02,
      assigneeId: r.next() < 0.6 ? r.pick(agents).id : null,
      priority: r.weighted([
        ['LOW', 0.15],
        ['NORMAL', 0.65],
        ['HIGH', 0.15],
        ['URGENT', 0.05],
      ] as const),
      lastMessageAt,
      createdAt,
      updatedAt: lastMessageAt,
    });
    TAGS.forEach((_, t) => {
      if (r.next() < TAG_WEIGHTS[t]!) conversationTags.push({ conversationId, tagId: tags[t]!.id, createdAt: new Date(createdAt.getTime() + t) });
    });
    participants.push({ conversationId, address: from });
    for (let m = 0; m < messageCount; m++) {
      const inbound = m % 2 === 0;
      const at = m === messageCount - 1 ? lastMessageAt : new Date(createdAt.getTime() + m * 1000);
      const words = Array.from({ length: 25 + r.int(80) }, () => r.pick(WORDS)).join(' ');
      messages.push({
        id: id(),
        workspaceId,
        conversationId,
        direction: inbound ? ('INBOUND' as const) : ('OUTBOUND' as const),
        kind: 'EMAIL' as const,
        authorId: inbound ? null : agents[0]!.id,
        fromAddress: inbound ? from : 'support@bench.test',
        fromName: inbound ? contacts[contactIndex]!.name : 'Bench Support',
        subject: m === 0 ? subject : `Re: ${subject}`,
        text: `Hello,\n\n${words}.\n\nRegards`,
        messageId: `${randomBytes(8).toString('hex')}@bench.test`,
        createdAt: at,
      });
    }
  }
  await bulk.insert('Conversation', conversations);
  await bulk.insert('ConversationTag', conversationTags);
  await bulk.insert('ConversationParticipant', participants);
  await bulk.insert('Message', messages);
  await bulk.close();
  await db.workspace.update({ where: { id: workspaceId }, data: { nextConversationNo: N + 1 } });

  // A 3-condition folder: billing-tagged, waiting on us, from the biggest customer.
  const folderRule = {
    all: [
      { field: 'CONVERSATION_TAG', operator: 'IS', value: 'billing' },
      { field: 'STATUS', operator: 'IS', value: 'WAITING_ON_AGENT' },
      { field: 'CONTACT_EMAIL', operator: 'CONTAINS', value: 'acme.com' },
    ],
  };
  const folder = await createSmartFolder(deps, admin, { name: 'Acme billing, waiting on us', rules: folderRule });
  await deps.events.close();

  return {
    workspaceId,
    agentId: agents[0]!.id,
    agentToken: agentToken.secret,
    inboxId: inboxes[0]![0],
    smartFolderId: folder.id,
    folderRule: 'all: tag IS billing, status IS WAITING_ON_AGENT, contact email CONTAINS acme.com',
    search: 'refund',
    counts: {
      contacts: contacts.length,
      contactEmails: contactEmails.length,
      conversations: conversations.length,
      conversationTags: conversationTags.length,
      messages: messages.length,
      participants: participants.length,
    },
    seconds: (performance.now() - started) / 1000,
  };
}
