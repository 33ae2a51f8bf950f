import { headerTokens, fromTokens, RECIPIENT_SIDE_HEADERS, subjectTokens } from './headers.js';
import { scanHtml } from './html.js';
import { normalizeHeaders, type MailForClassification } from './mail.js';
import { EMAIL_IN_TEXT, hostTokens, URL_IN_TEXT, urlTokens } from './urls.js';
import { splitWhitespace, WordTokenizer } from './words.js';

/**
 * Version of the token scheme. A model only understands tokens of the scheme it was trained with,
 * so any change to what `tokenize` emits bumps this (and the base model is retrained).
 */
export const TOKENIZER_VERSION = 2;

/** How to tokenize; every option has a default suited to a help desk's inbound mail. */
export interface TokenizeOptions {
  /**
   * Host names (or domain suffixes) of your own mail servers. Received hops they added describe
   * your setup, not the sender, and are skipped. Loopback and private-address hops are always skipped.
   * @default []
   */
  trustedHosts?: readonly string[];
  /**
   * Extra header names (any case) to ignore, on top of the recipient-side headers that are always
   * ignored (`Delivered-To`, `X-Status`, `Delivery-Date`, … — see `RECIPIENT_SIDE_HEADERS`).
   * @default []
   */
  ignoreHeaders?: readonly string[];
  /**
   * Characters of each body part (text, HTML) read; the rest is ignored so that a huge message
   * costs no more than a large one.
   * @default 100_000
   */
  maxBodyLength?: number;
}

const LOOKS_LIKE_URL = /^(?:[("'<[]*)(?:(?:https?|ftp):\/\/|www\.)/i;

function bucket(n: number): string {
  if (n <= 0) return '0';
  return String(2 ** Math.min(16, Math.floor(Math.log2(n))));
}

/** Tokens of body text: words and word pairs; links and addresses by host (their parts would only repeat that). */
function bodyTokens(text: string, emit: (token: string) => void): void {
  const words = new WordTokenizer('', emit, true);
  for (const chunk of splitWhitespace(text)) {
    if (LOOKS_LIKE_URL.test(chunk)) {
      words.break();
      continue;
    }
    if (chunk.includes('@')) {
      const addresses = chunk.match(EMAIL_IN_TEXT);
      if (addresses) {
        for (const address of addresses) hostTokens(address.slice(address.lastIndexOf('@') + 1), 'email:', emit);
        words.break();
        continue;
      }
    }
    words.chunk(chunk);
  }
}

const CONTENT_TOKEN = /^(?:[^:]*$|(?:subject|url|email|img|html|mailto|body|att):|from:name:)/;

/**
 * Whether a token says what the message says (body words, subject, links, HTML traits, attachments,
 * the sender's name) rather than how it was delivered (headers, Received hops, Message-ID and Date
 * shapes, content types, the sender's address). A filter trained on someone else's mail can trust
 * only the first kind: the second describes that mail's infrastructure.
 */
export function isContentToken(token: string): boolean {
  return CONTENT_TOKEN.test(token);
}

/**
 * Turns a parsed message into its tokens, deduplicated, in first-seen order. Tokens carry their
 * origin: body words are bare, others are prefixed (`subject:`, `from:`, `hdr:`, `h:x-mailer:`,
 * `rcvd:`, `mid:`, `ct:`, `url:`, `img:`, `html:`, `att:`, …). Pure: no I/O, deterministic.
 */
export function tokenize(mail: MailForClassification, options: TokenizeOptions = {}): string[] {
  const tokens = new Set<string>();
  const emit = (token: string): void => {
    tokens.add(token);
  };
  const maxBody = options.maxBodyLength ?? 100_000;
  const ignore = new Set([...RECIPIENT_SIDE_HEADERS, ...(options.ignoreHeaders ?? []).map((h) => h.toLowerCase())]);
  const trustedHosts = (options.trustedHosts ?? []).map((h) => h.toLowerCase().replace(/^\.+/, ''));

  const skip = new Set<string>();
  if (mail.subject !== undefined) {
    skip.add('subject');
    subjectTokens(mail.subject, emit);
  }
  if (mail.from !== undefined) {
    skip.add('from');
    fromTokens(mail.from, emit);
  }
  headerTokens(normalizeHeaders(mail.headers), { ignore, trustedHosts }, skip, mail.from, emit);

  const links: string[] = [...(mail.links ?? [])];
  const images: string[] = [];
  const text = (mail.text ?? '').slice(0, maxBody);
  if (mail.html !== undefined && mail.html !== '') {
    const html = scanHtml(mail.html.slice(0, maxBody));
    for (const trait of html.traits) emit('html:' + trait);
    links.push(...html.links);
    images.push(...html.images);
    for (const m of html.text.matchAll(URL_IN_TEXT)) links.push(m[0]);
    bodyTokens(html.text, emit);
    emit('body:html');
  }
  if (text !== '') {
    bodyTokens(text, emit);
    emit('body:text');
  }
  for (const m of text.matchAll(URL_IN_TEXT)) links.push(m[0]);
  const distinctLinks = new Set(links);
  for (const link of distinctLinks) urlTokens(link, 'url:', emit);
  for (const image of new Set(images)) urlTokens(image, 'img:', emit);
  emit('body:length:' + bucket(text.length + (mail.html?.length ?? 0)));
  emit('body:links:' + bucket(distinctLinks.size));
  for (const attachment of mail.attachments ?? []) {
    if (attachment.contentType) emit('att:type:' + attachment.contentType.toLowerCase());
    const ext = /\.([a-z0-9]{1,8})$/i.exec(attachment.filename ?? '')?.[1];
    if (ext !== undefined) emit('att:ext:' + ext.toLowerCase());
  }
  return [...tokens];
}
