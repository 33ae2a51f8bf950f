/**
 * A header as mailparser's `ParsedMail.headerLines` gives it: `key` lower-cased, `line` the raw
 * (possibly folded) line including the name, e.g. `{ key: 'x-mailer', line: 'X-Mailer: Foo 1.0' }`.
 */
export interface RawHeaderLine {
  key: string;
  line: string;
}

/** A header as a name/value pair; the name may keep its original case. */
export interface HeaderField {
  key: string;
  value: string;
}

/**
 * Headers in any of the shapes a server has at hand:
 * - mailparser's `headerLines` (`{ key, line }[]`, the richest: keeps order, case and folding),
 * - `{ key, value }[]`,
 * - raw lines (`'Received: from …'`, folded continuation lines allowed) or one raw header block,
 * - a record `{ 'x-mailer': 'Foo', received: ['…', '…'] }`.
 */
export type MailHeaders =
  | string
  | ReadonlyArray<string | RawHeaderLine | HeaderField>
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** An attachment's metadata (its content is never read). */
export interface AttachmentInfo {
  contentType?: string;
  filename?: string;
}

/** A parsed message, as the server's mail parser delivers it. Every field is optional. */
export interface MailForClassification {
  /** Decoded subject. Falls back to the `Subject` header when absent. */
  subject?: string;
  /** Decoded `From` value, e.g. `"Jane" <jane@example.com>`. Falls back to the `From` header. */
  from?: string;
  headers?: MailHeaders;
  /** The text/plain part (decoded). */
  text?: string;
  /** The text/html part (decoded). Tags are stripped; link and image hosts become tokens. */
  html?: string;
  /** Extra links known to the caller (they are merged with links found in text and HTML). */
  links?: readonly string[];
  attachments?: readonly AttachmentInfo[];
}

/** A header normalized for tokenization. */
export interface NormalizedHeader {
  /** Name as written in the message (case kept: `Message-Id` and `Message-ID` differ by mailer). */
  name: string;
  /** Lower-cased name. */
  key: string;
  /** Unfolded value, trimmed. */
  value: string;
}

const FOLD = /\r?\n[ \t]+/g;
const LINE_BREAK = /\r?\n(?![ \t])/;

function fromLine(line: string): NormalizedHeader | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  const name = line.slice(0, colon).trim();
  // An mbox "From " separator or garbage is not a header.
  if (name === '' || /\s/.test(name)) return undefined;
  return { name, key: name.toLowerCase(), value: line.slice(colon + 1).replace(FOLD, ' ').trim() };
}

/** Turns any accepted header shape into an ordered list of unfolded headers. */
export function normalizeHeaders(headers: MailHeaders | undefined): NormalizedHeader[] {
  if (headers === undefined) return [];
  const out: NormalizedHeader[] = [];
  if (typeof headers === 'string') {
    const block = headers.split(/\r?\n\r?\n/, 1)[0] ?? '';
    for (const line of block.split(LINE_BREAK)) {
      const h = fromLine(line);
      if (h) out.push(h);
    }
    return out;
  }
  if (Array.isArray(headers)) {
    for (const item of headers as ReadonlyArray<string | RawHeaderLine | HeaderField>) {
      if (typeof item === 'string') {
        for (const line of item.split(LINE_BREAK)) {
          const h = fromLine(line);
          if (h) out.push(h);
        }
      } else if ('line' in item && typeof item.line === 'string') {
        const h = fromLine(item.line);
        if (h) out.push(h);
      } else if ('value' in item && typeof item.value === 'string') {
        const name = item.key.trim();
        if (name !== '') out.push({ name, key: name.toLowerCase(), value: item.value.replace(FOLD, ' ').trim() });
      }
    }
    return out;
  }
  for (const [name, value] of Object.entries(headers as Record<string, string | readonly string[] | undefined>)) {
    if (value === undefined) continue;
    const values: readonly string[] = typeof value === 'string' ? [value] : value;
    for (const v of values) out.push({ name, key: name.toLowerCase(), value: v.replace(FOLD, ' ').trim() });
  }
  return out;
}
