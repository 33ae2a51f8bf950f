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
  /** A machine sent it (auto-reply, bounce, bulk or list mail): never answer it automatically. */
  automated: boolean;
  /** The raw header lines, in order (what the spam filter reads). */
  headerLines: Array<{ key: string; line: string }>;
}

const stripBrackets = (id: string) => id.trim().replace(/^<|>$/g, '').trim();
// Broken mail can decode to U+0000, which PostgreSQL text columns refuse; the raw source keeps it.
const withoutNul = (text: string) => text.replace(/\u0000/g, '');
const textOrNull = (text: string | null | undefined) => (typeof text === 'string' ? withoutNul(text) : null);

function messageIds(value: string | string[] | undefined): string[] {
  const all = Array.isArray(value) ? value : value ? [value] : [];
  return all.flatMap((v) => v.match(/<[^<>\s]+>/g)?.map(stripBrackets) ?? (v.trim() ? [stripBrackets(v)] : []));
}

function addresses(value: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const objects = Array.isArray(value) ? value : value ? [value] : [];
  const flat = objects.flatMap((o) => o.value).flatMap((a) => (a.group ? a.group : [a]));
  return flat
    .filter((a) => a.address && a.address.includes('@'))
    .map((a) => ({ address: withoutNul(a.address!.trim().toLowerCase()), name: textOrNull(a.name?.trim()) || null }));
}

const headerText = (parsed: ParsedMail, name: string) => {
  const value = parsed.headers.get(name);
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value.trim().toLowerCase();
  if (typeof value === 'object' && 'value' in value) return String(value.value).trim().toLowerCase();
  return String(value).trim().toLowerCase();
};

/**
 * RFC 3834 and common practice: mail that is itself automatic must not get
 * an automatic answer, or two robots answer each other forever.
 */
export function isAutomatedMail(parsed: ParsedMail, envelopeSender?: string | null): boolean {
  if (envelopeSender === '' || envelopeSender === '<>') return true;
  const autoSubmitted = headerText(parsed, 'auto-submitted');
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  if (['bulk', 'list', 'junk', 'auto_reply'].includes(headerText(parsed, 'precedence') ?? '')) return true;
  // mailparser folds List-Id, List-Unsubscribe and the other List-* headers into one `list` entry.
  if (parsed.headers.has('list') || parsed.headers.has('list-id')) return true;
  if (parsed.headers.has('x-autoreply') || parsed.headers.has('x-autorespond')) return true;
  if (/\b(all|autoreply)\b/.test(headerText(parsed, 'x-auto-response-suppress') ?? '')) return true;
  const returnPath = headerText(parsed, 'return-path');
  if (returnPath !== null && /^<?\s*>?$/.test(returnPath)) return true;
  const from = parsed.from?.value[0]?.address?.toLowerCase() ?? '';
  return /^(mailer-daemon|postmaster)@/.test(from);
}

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Turns mailparser's result into an InboundEmail, noting what is missing or broken. */
export function fromParsedMail(parsed: ParsedMail, raw: Buffer | null, envelopeSender?: string | null): InboundEmail {
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
    subject: withoutNul(parsed.subject ?? '').trim(),
    text: textOrNull(parsed.text),
    html: textOrNull(typeof parsed.html === 'string' ? parsed.html : null),
    attachments: parsed.attachments.map((a) => ({
      filename: withoutNul(a.filename ?? 'attachment'),
      contentType: a.contentType || 'application/octet-stream',
      size: a.size ?? a.content.length,
      checksum: sha256(a.content),
      content: a.content,
      contentId: a.contentId ?? null,
    })),
    raw,
    parseProblem: problems.length ? problems.join('; ') : null,
    automated: isAutomatedMail(parsed, envelopeSender),
    headerLines: parsed.headerLines.map(({ key, line }) => ({ key, line })),
  };
}

/**
 * Parses a raw RFC 5322 message. Never throws: a message mailparser cannot
 * read is returned with its source, an empty body and the reason.
 */
export async function parseEmail(raw: Buffer, envelopeSender?: string | null): Promise<InboundEmail> {
  try {
    const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
    return fromParsedMail(parsed, raw, envelopeSender);
  } catch (error) {
    return {
      messageId: null,
      inReplyTo: null,
      references: [],
      from: null,
      to: [],
      cc: [],
      subject: '',
      text: withoutNul(raw.toString('latin1')),
      html: null,
      attachments: [],
      raw,
      parseProblem: `unparseable: ${(error as Error).message}`,
      automated: envelopeSender === '' || envelopeSender === '<>',
      headerLines: [],
    };
  }
}
