import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';

export interface EmailAddress {
  address: string;
  name: string | null;
}

export interface InboundAttachment {
  filename: string;
  contentType: string;
  size: number;
  /** SHA-256, hex. */
  checksum: string;
  content: Buffer;
  contentId: string | null;
}

/** An inbound email as the domain needs it, whatever parsed it. */
export interface InboundEmail {
  /** Message-ID without angle brackets, or null when the mail has none. */
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  from: EmailAddress | null;
  to: EmailAddress[];
  cc: EmailAddress[];
  subject: string;
  text: string | null;
  html: string | null;
  attachments: InboundAttachment[];
  /** The source as received; kept untouched. */
  raw: Buffer | null;
  /** What was wrong with the message, when it could not be read cleanly. */
  parseProblem: string | null;
}

const stripBrackets = (id: string) => id.trim().replace(/^<|>$/g, '').trim();

function messageIds(value: string | string[] | undefined): string[] {
  const all = Array.isArray(value) ? value : value ? [value] : [];
  return all.flatMap((v) => v.match(/<[^<>\s]+>/g)?.map(stripBrackets) ?? (v.trim() ? [stripBrackets(v)] : []));
}

function addresses(value: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const objects = Array.isArray(value) ? value : value ? [value] : [];
  const flat = objects.flatMap((o) => o.value).flatMap((a) => (a.group ? a.group : [a]));
  return flat
    .filter((a) => a.address && a.address.includes('@'))
    .map((a) => ({ address: a.address!.trim().toLowerCase(), name: a.name?.trim() || null }));
}

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Turns mailparser's result into an InboundEmail, noting what is missing or broken. */
export function fromParsedMail(parsed: ParsedMail, raw: Buffer | null): InboundEmail {
  const problems: string[] = [];
  const from = addresses(parsed.from)[0] ?? null;
  if (!from) problems.push('no readable From address');
  if (!parsed.messageId) problems.push('no Message-ID');
  return {
    messageId: parsed.messageId ? stripBrackets(parsed.messageId) : null,
    inReplyTo: messageIds(parsed.inReplyTo)[0] ?? null,
    references: messageIds(parsed.references),
    from,
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    subject: (parsed.subject ?? '').trim(),
    text: parsed.text ?? null,
    html: typeof parsed.html === 'string' ? parsed.html : null,
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename ?? 'attachment',
      contentType: a.contentType || 'application/octet-stream',
      size: a.size ?? a.content.length,
      checksum: sha256(a.content),
      content: a.content,
      contentId: a.contentId ?? null,
    })),
    raw,
    parseProblem: problems.length ? problems.join('; ') : null,
  };
}

/**
 * Parses a raw RFC 5322 message. Never throws: a message mailparser cannot
 * read is returned with its source, an empty body and the reason.
 */
export async function parseEmail(raw: Buffer): Promise<InboundEmail> {
  try {
    const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
    return fromParsedMail(parsed, raw);
  } catch (error) {
    return {
      messageId: null,
      inReplyTo: null,
      references: [],
      from: null,
      to: [],
      cc: [],
      subject: '',
      text: raw.toString('latin1'),
      html: null,
      attachments: [],
      raw,
      parseProblem: `unparseable: ${(error as Error).message}`,
    };
  }
}
