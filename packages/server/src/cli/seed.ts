import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Db } from '../db/database.js';
import { createEventBus } from '../events/bus.js';
import { createAgent } from '../domain/agents/agents.js';
import { createInbox } from '../domain/inboxes/inboxes.js';
import { receiveEmail } from '../domain/mail/receive-email.js';
import type { Caller } from '../domain/shared/deps.js';
import { createSmartFolder } from '../domain/smart-folders/smart-folders.js';
import { createTag, tagConversation } from '../domain/tags/tags.js';
import { issueToken } from '../domain/tokens/tokens.js';
import { createWorkspace } from '../domain/workspaces/workspaces.js';

export interface DemoCredentials {
  workspaceId: string;
  adminToken: string;
  agentToken: string;
  ingestToken: string;
  supportAddress: string;
}

function email(from: string, name: string, subject: string, text: string, messageId: string): Buffer {
  return Buffer.from(
    `From: ${name} <${from}>\r\nTo: support@demo.deskql.test\r\nSubject: ${subject}\r\nMessage-ID: <${messageId}>\r\n\r\n${text}\r\n`,
  );
}

/**
 * Seeds a demo workspace: two inboxes, an admin and an agent, a few customer
 * conversations, tags, and the smart folders from the product brief.
 */
export async function seedDemo(db: Db): Promise<DemoCredentials> {
  const deps = { db, events: createEventBus() };
  const { workspace, admin, token: adminToken } = await createWorkspace(db, {
    name: 'Demo Support',
    admin: { name: 'Ada Admin', email: 'ada@demo.deskql.test' },
  });
  const caller: Caller = { kind: 'agent', workspaceId: workspace.id, agentId: admin.id, role: 'ADMIN' };
  const agent = await createAgent(deps, caller, { name: 'Sam Agent', email: 'sam@demo.deskql.test' });
  const { secret: agentToken } = await issueToken(db, { workspaceId: workspace.id, name: 'Sam', scope: 'AGENT', agentId: agent.id });
  const { secret: ingestToken } = await issueToken(db, {
    workspaceId: workspace.id,
    name: 'SMTP ingest',
    scope: 'INGEST',
    agentId: null,
  });
  await createInbox(deps, caller, {
    name: 'Support',
    addresses: ['support@demo.deskql.test'],
    senderName: 'Demo Support',
    signature: '-- \nThe Demo Support team',
    casePrefix: 'SUP',
  });
  await createInbox(deps, caller, { name: 'Sales', addresses: ['sales@demo.deskql.test'], casePrefix: 'SAL' });
  const returns = await createTag(deps, caller, { name: 'Returns', color: '#e67e22' });
  const followUp = await createTag(deps, caller, { name: 'Follow-up', color: '#3498db' });
  await createTag(deps, caller, { name: 'VIP', color: '#8e44ad' });

  const ingest: Caller = { kind: 'system', workspaceId: workspace.id };
  const mails = [
    email('maria@super-important-customer.dk', 'Maria Jensen', 'Return of order 1042', 'Hi, the jacket is too small. How do I send it back?', 'seed-1@demo'),
    email('tom@example.com', 'Tom Baker', 'Where is my parcel?', 'I ordered a week ago and nothing arrived yet.', 'seed-2@demo'),
    email('lars@super-important-customer.dk', 'Lars Holm', 'Invoice question', 'Can you resend the invoice for March?', 'seed-3@demo'),
    email('kim@example.org', 'Kim Lee', 'Broken zipper, want to return', 'The zipper broke on day two.', 'seed-4@demo'),
  ];
  const delivered = [];
  for (const mail of mails) {
    const { deliveries } = await receiveEmail(deps, ingest, { raw: mail, recipients: ['support@demo.deskql.test'] });
    delivered.push(deliveries[0]!.conversationId);
  }
  await tagConversation(deps, caller, { conversationId: delivered[0]!, tagId: returns.id, tagged: true });
  await tagConversation(deps, caller, { conversationId: delivered[3]!, tagId: returns.id, tagged: true });
  await tagConversation(deps, caller, { conversationId: delivered[2]!, tagId: followUp.id, tagged: true });

  const important = { field: 'CONTACT_EMAIL', operator: 'CONTAINS', value: '@super-important-customer.dk' };
  const tagged = (name: string) => ({ field: 'CONVERSATION_TAG', operator: 'IS', value: name });
  await createSmartFolder(deps, caller, { name: 'Returns', rules: tagged('Returns') });
  await createSmartFolder(deps, caller, { name: 'Super important customers', rules: important });
  await createSmartFolder(deps, caller, { name: 'Follow-up', rules: tagged('Follow-up') });
  await createSmartFolder(deps, caller, {
    name: 'Important returns or follow-ups',
    rules: { all: [important, { any: [tagged('Returns'), tagged('Follow-up')] }] },
  });
  return { workspaceId: workspace.id, adminToken, agentToken, ingestToken, supportAddress: 'support@demo.deskql.test' };
}

/**
 * On a database with no workspace yet, seeds the demo and returns a welcome text with its tokens.
 * With `ingestTokenFile` (the embedded default), the demo ingest token is also written there,
 * readable by its owner only, so the local SMTP ingest daemon can deliver without configuration.
 */
export async function ensureDemoWorkspace(db: Db, options: { ingestTokenFile?: string } = {}): Promise<string | null> {
  if ((await db.workspace.count()) > 0) return null;
  const demo = await seedDemo(db);
  if (options.ingestTokenFile) writeSecret(options.ingestTokenFile, demo.ingestToken);
  return [
    'First start: created the "Demo Support" workspace with sample data. Its tokens (shown this once):',
    `  admin  (Ada):  ${demo.adminToken}`,
    `  agent  (Sam):  ${demo.agentToken}`,
    `  ingest (SMTP): ${demo.ingestToken}${options.ingestTokenFile ? `  (also in ${options.ingestTokenFile}, for the SMTP ingest daemon)` : ''}`,
    'Send one as the header  Authorization: Bearer <token>.',
  ].join('\n');
}

/** Writes a secret atomically (a reader never sees half of it) with mode 0600. */
function writeSecret(path: string, secret: string) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${secret}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
