import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { createTestDatabase, rawEmail, type TestDatabase } from '../src/testing/index.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '../src/cli/main.ts');
const tsx = join(import.meta.dirname, '../../../node_modules/.bin/tsx');

let database: TestDatabase;
let dir: string;
const deskql = (...args: string[]) => run(tsx, [cli, ...args], { env: { ...process.env, DATABASE_URL: database.url }, timeout: 60_000 });

beforeAll(async () => {
  database = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'deskql-cli-'));
});
afterAll(async () => {
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('deskql', () => {
  it('migrate applies the migrations once', async () => {
    expect((await deskql('migrate')).stdout).toMatch(/Applied \d+_init/);
    expect((await deskql('migrate')).stdout).toMatch(/up to date/);
  });

  it('workspace create makes a workspace, its admin and a working token', async () => {
    const { stdout } = await deskql('workspace', 'create', '--name', 'Acme', '--admin-name', 'Ann', '--admin-email', 'ann@acme.test');
    expect(stdout).toMatch(/Workspace Acme/);
    const token = /token \(shown once\): (\S+)/.exec(stdout)?.[1];
    expect(token).toMatch(/^dq_agt_/);
    await expect(deskql('workspace', 'create', '--name', 'Bad', '--admin-name', 'B', '--admin-email', 'nope')).rejects.toMatchObject({
      stderr: expect.stringMatching(/not a valid email address/),
    });
  });

  it('spam train learns folders of messages and mbox files into one workspace', async () => {
    mkdirSync(join(dir, 'spam'));
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(dir, 'spam', `${i}.eml`), rawEmail({ from: `win${i}@lottery.test`, to: 'you@x.test', subject: 'You won a prize', text: 'Claim your prize now', messageId: `s${i}@lottery.test` }));
    }
    const mbox = ['From a@b Mon Jan  1 00:00:00 2024', rawEmail({ from: 'kim@customer.test', to: 'support@x.test', subject: 'Order', text: 'Where is my order?\n>From the warehouse?' }), 'From c@d Mon Jan  1 00:00:00 2024', rawEmail({ from: 'lee@customer.test', to: 'support@x.test', subject: 'Refund', text: 'Please refund' })].join('\n');
    writeFileSync(join(dir, 'ham.mbox'), mbox);
    const { stdout, stderr } = await deskql('spam', 'train', '--spam', join(dir, 'spam'), '--ham', join(dir, 'ham.mbox'));
    expect(stdout).toMatch(/learned 3 spam and 2 ham messages/);
    expect(stderr).toMatch(/5\/5/);
    const { db, close } = await openDatabase(database.url);
    try {
      const totals = await db.spamModelTotals.findMany();
      expect(totals).toEqual([expect.objectContaining({ spamMessages: 3, hamMessages: 2 })]);
      expect(await db.spamTokenCount.count({ where: { token: 'subject:prize', spam: 3 } })).toBe(1);
    } finally {
      await close();
    }
  });
});
