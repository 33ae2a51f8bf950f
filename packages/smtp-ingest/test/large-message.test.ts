// A message just under the SIZE the daemon advertises (25 MiB by default) must get through to the
// server, whose request limit has to fit it base64-encoded; one over the server's limit gets a
// permanent 552, never a 451 the sender would retry forever.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sendRaw, startStack, storedMessages, transport, type Stack } from './support.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

function withAttachment(to: string, messageId: string, attachmentBytes: number): Buffer {
  const content = Buffer.alloc(attachmentBytes, 0x5a);
  const base64 = content.toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: Big Sender <big@example.test>',
      `To: ${to}`,
      'Subject: The scans you asked for',
      `Message-ID: <${messageId}>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="part"',
      '',
      '--part',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Here are all the scans.',
      '--part',
      'Content-Type: application/octet-stream; name="scans.bin"',
      'Content-Disposition: attachment; filename="scans.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      base64,
      '--part--',
      '',
    ].join('\r\n'),
  );
}

it('accepts and stores a message just under the advertised 25 MiB SIZE', { timeout: 120_000 }, async () => {
  const raw = withAttachment(stack.workspace.address, 'big-1@example.test', 18 * 1024 * 1024);
  expect(raw.length).toBeGreaterThan(24 * 1024 * 1024);
  expect(raw.length).toBeLessThan(25 * 1024 * 1024);
  const sent = await sendRaw(transport(stack.port, { socketTimeout: 100_000 }), { from: 'big@example.test', to: [stack.workspace.address] }, raw);
  expect(sent).toMatchObject({ ok: true });
  const rows = await storedMessages(stack.server.app.database.db, stack.workspace.workspaceId);
  expect(rows.some((row) => row.messageId === 'big-1@example.test')).toBe(true);
  const attachment = await stack.server.app.database.db.attachment.findFirst({
    where: { message: { messageId: 'big-1@example.test' } },
    select: { size: true, filename: true },
  });
  expect(attachment).toEqual({ size: 18 * 1024 * 1024, filename: 'scans.bin' });
});

it("answers 552 (not 451, which the sender would retry forever) when the server's limit is lower than the daemon's", { timeout: 60_000 }, async () => {
  const small = await startStack({}, { maxMessageBytes: 1024 * 1024 });
  try {
    const raw = withAttachment(small.workspace.address, 'big-2@example.test', 2 * 1024 * 1024);
    const sent = await sendRaw(transport(small.port), { from: 'big@example.test', to: [small.workspace.address] }, raw);
    expect(sent).toMatchObject({ ok: false, code: 552 });
    const rows = await storedMessages(small.server.app.database.db, small.workspace.workspaceId);
    expect(rows.some((row) => row.messageId === 'big-2@example.test')).toBe(false);
  } finally {
    await small.close();
  }
});
