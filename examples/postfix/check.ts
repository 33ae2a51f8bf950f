// Checks a mail server's delivery into DeskQL end to end: swaks sends a message through it, the typed
// client waits until DeskQL has stored it, and a message for an address no inbox has must be refused.
//
//   SUPPORT_ADDRESS=support@support.example.com DESKQL_TOKEN=<agent token> npm run check -w @deskql/example-postfix
//
// Settings (environment): SMTP_SERVER, the mail server to test (default 127.0.0.1:25: Postfix; point it at
// 127.0.0.1:2525 to test the ingest daemon alone); SUPPORT_ADDRESS, a receiving address of an inbox;
// DESKQL_URL (default http://127.0.0.1:4000/graphql) and DESKQL_TOKEN, an agent token of that inbox's workspace;
// CHECK_TIMEOUT_S (default 60), how long to wait for the message to arrive.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ConversationsDocument, createClient } from '@deskql/sdk/client';

const env = process.env;
const smtp = env.SMTP_SERVER ?? '127.0.0.1:25';
const to = env.SUPPORT_ADDRESS;
const token = env.DESKQL_TOKEN;
const url = env.DESKQL_URL ?? 'http://127.0.0.1:4000/graphql';
const timeoutMs = Number(env.CHECK_TIMEOUT_S ?? 60) * 1000;
if (!to || !token) {
  console.error('Set SUPPORT_ADDRESS (a receiving address of an inbox) and DESKQL_TOKEN (an agent token of its workspace).');
  process.exit(2);
}

function swaks(args: string[]) {
  const run = spawnSync('swaks', ['--server', smtp, '--from', 'deskql-check@example.com', ...args], { encoding: 'utf8' });
  if (run.error) {
    console.error(`Could not run swaks (${run.error.message}); install it: apt-get install swaks`);
    process.exit(2);
  }
  // swaks marks server replies with "<-" (accepted) and "<**" (refused).
  const replies = run.stdout.split('\n').filter((line) => /^ ?<(-|\*\*) /.test(line));
  return { status: run.status, replies, output: run.stdout + run.stderr };
}

const nonce = randomBytes(4).toString('hex');
let failed = false;
const fail = (message: string, detail?: string) => {
  failed = true;
  console.log(`FAIL  ${message}`);
  if (detail) console.log(detail.replace(/^/gm, '      '));
};

// 1. A message to the support address is accepted by the mail server…
const subject = `DeskQL delivery check ${nonce}`;
const sent = swaks([
  '--to', to,
  '--header', `Subject: ${subject}`,
  '--header', `Message-ID: <check-${nonce}@deskql.invalid>`,
  '--body', `Hello,\n\nthis message checks that mail for ${to} reaches DeskQL.\n\nThanks`,
]);
if (sent.status !== 0) fail(`${smtp} did not accept mail for ${to} (swaks exit ${sent.status})`, sent.output);
else console.log(`ok    ${smtp} accepted mail for ${to}: ${sent.replies.at(-2)?.trim() ?? ''}`);

// 2. …and DeskQL stores it: found by the nonce in its subject, in the inbox or (if the filter thought so) in Spam.
if (!failed) {
  const client = createClient({ url, token });
  const started = Date.now();
  let found: { caseNumber: string; spam: boolean } | undefined;
  while (!found && Date.now() - started < timeoutMs) {
    for (const spam of [false, true]) {
      const { conversations } = await client.request(ConversationsDocument, { filter: { search: nonce, spam }, first: 1 });
      found ??= conversations.edges[0]?.node;
    }
    if (!found) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  if (found) console.log(`ok    DeskQL stored it as ${found.caseNumber}${found.spam ? ' (in Spam)' : ''} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  else fail(`DeskQL did not store "${subject}" within ${timeoutMs / 1000} s: look at the mail server's queue (postqueue -p) and log, and the ingest daemon's log`);
}

// 3. Mail for an address no inbox has is refused when the recipient is given, not accepted and bounced later.
const domain = to.split('@')[1];
const unknown = swaks(['--to', `no-such-inbox-${nonce}@${domain}`, '--quit-after', 'RCPT']);
const refusal = unknown.replies.find((line) => /^ ?<\*\* +[45]\d\d/.test(line));
if (unknown.status === 24 && refusal) console.log(`ok    an unknown address is refused at RCPT: ${refusal.trim()}`);
else fail(`${smtp} did not refuse mail for an unknown address at RCPT (reject_unverified_recipient is missing?)`, unknown.output);

process.exit(failed ? 1 : 0);
