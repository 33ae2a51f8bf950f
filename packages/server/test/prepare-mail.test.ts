import { afterAll, describe, expect, it } from 'vitest';
import { createMailPreparer, prepareMail } from '../src/domain/mail/prepare-mail.js';
import { rawEmail } from '../src/testing/index.js';

const withAttachment = [
  'From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <juergen@example.test>',
  'To: support@acme.test',
  'Subject: =?ISO-8859-1?Q?R=E9clamation?= for order 1042',
  'Message-ID: <attach-1@example.test>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/html; charset=iso-8859-1',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  '<p>Le colis est arriv=E9 ab=EEm=E9. Voir <a href=3D"https://shop.example.test/o/1042">la commande</a>.</p>',
  '--b1',
  'Content-Type: application/pdf; name="invoice.pdf"',
  'Content-Disposition: attachment; filename="invoice.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('%PDF-1.4 not really a pdf, but bytes all the same').toString('base64'),
  '--b1--',
  '',
].join('\r\n');

const mails: Array<{ name: string; raw: Buffer; mailFrom?: string | null }> = [
  { name: 'plain text', raw: Buffer.from(rawEmail({ from: 'Ann <ann@example.test>', to: 'support@acme.test', subject: 'Where is my parcel?', text: 'It has been two weeks, order 1042.', messageId: 'plain-1@example.test' })) },
  { name: 'encoded words, legacy charset, HTML and an attachment', raw: Buffer.from(withAttachment, 'latin1') },
  { name: 'no From and no Message-ID (flagged)', raw: Buffer.from('To: support@acme.test\r\nSubject: ???\r\n\r\nbody only\r\n') },
  { name: 'a bounce (null sender)', raw: Buffer.from(rawEmail({ from: 'mailer-daemon@mx.example.test', to: 'support@acme.test', subject: 'Undelivered', messageId: 'bounce-1@mx.example.test' })), mailFrom: '' },
];

const preparer = createMailPreparer(1);
afterAll(() => preparer.close());

describe('mail preparation on a worker thread', () => {
  it('runs off the calling thread', () => {
    expect(preparer.offThread).toBe(true);
  });

  for (const mail of mails) {
    it(`gives what preparing on this thread gives: ${mail.name}`, async () => {
      const [there, here] = await Promise.all([preparer.prepare(mail.raw, mail.mailFrom), prepareMail(mail.raw, mail.mailFrom)]);
      expect(there).toEqual(here);
      expect(there.email.raw).toBe(mail.raw);
      for (const attachment of there.email.attachments) expect(Buffer.isBuffer(attachment.content)).toBe(true);
    });
  }

  it('keeps the parts a help desk needs through the thread boundary', async () => {
    const { email, features } = await preparer.prepare(mails[1]!.raw);
    expect(email.from).toEqual({ address: 'juergen@example.test', name: 'Jürgen Müller' });
    expect(email.subject).toBe('Réclamation for order 1042');
    expect(email.html).toContain('arrivé abîmé');
    expect(email.attachments).toHaveLength(1);
    expect(email.attachments[0]!.content.toString()).toBe('%PDF-1.4 not really a pdf, but bytes all the same');
    expect(features.tokens.length).toBeGreaterThan(10);
  });
});
