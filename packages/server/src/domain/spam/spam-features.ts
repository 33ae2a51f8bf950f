import { fingerprint, tokenize, type Fingerprint } from '@deskql/classifier';
import { parseEmail, type InboundEmail } from '../mail/inbound-email.js';

// What the spam filter reads from a mail: pure work on the parsed mail, no database (spam-filter.ts
// does the scoring and learning against the workspace's counts).

/** What the spam filter reads from a mail: its tokens, and its fingerprint for near-copy checks. */
export interface SpamFeatures {
  tokens: string[];
  fingerprint: Fingerprint | null;
}

type MailContent = Pick<InboundEmail, 'subject' | 'from' | 'text' | 'html' | 'headerLines' | 'attachments'>;

const htmlText = (html: string) => html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ');

export function spamFeatures(email: MailContent): SpamFeatures {
  return {
    tokens: spamTokens(email),
    fingerprint: fingerprint(email.subject, email.text ?? (email.html ? htmlText(email.html) : '')),
  };
}

/** The tokens the classifier reads from a mail. */
export function spamTokens(email: MailContent): string[] {
  return tokenize({
    subject: email.subject,
    from: email.from ? (email.from.name ? `"${email.from.name}" <${email.from.address}>` : email.from.address) : undefined,
    headers: email.headerLines,
    text: email.text ?? undefined,
    html: email.html ?? undefined,
    attachments: email.attachments.map((a) => ({ contentType: a.contentType, filename: a.filename })),
  });
}

/** The features of a stored message, re-read from its raw source when it has one. */
export async function storedMessageFeatures(message: {
  raw: Uint8Array | null;
  subject: string | null;
  fromAddress: string | null;
  fromName: string | null;
  text: string | null;
  html: string | null;
}): Promise<SpamFeatures> {
  if (message.raw) return spamFeatures(await parseEmail(Buffer.from(message.raw)));
  return spamFeatures({
    subject: message.subject ?? '',
    from: message.fromAddress ? { address: message.fromAddress, name: message.fromName } : null,
    text: message.text,
    html: message.html,
    headerLines: [],
    attachments: [],
  });
}
