import type { NormalizedHeader } from './mail.js';
import { cleanHost, hostTokens, isIPv4, registeredDomain } from './urls.js';
import { splitWhitespace, textTokens, WordTokenizer, wordTokens } from './words.js';

type Emit = (token: string) => void;

/**
 * Headers added by the receiving side or by a mailbox program, not by the sender. They describe the
 * recipient's setup (or the order of filing), not the message, so they are never tokenized.
 */
export const RECIPIENT_SIDE_HEADERS: readonly string[] = [
  'delivered-to', 'delivery-date', 'envelope-to', 'x-envelope-to', 'x-original-to', 'x-delivered-to',
  'x-keywords', 'x-status', 'status', 'x-uid', 'x-mozilla-status', 'x-mozilla-status2', 'x-mozilla-keys',
  'content-length', 'lines', 'x-evolution-source', 'x-gmail-labels', 'x-gm-thrid', 'x-imap-flags',
];

/**
 * Headers whose values are not tokenized (their presence still is): message references and dates
 * are unique per message, and scanner stamps are usually added by the receiving side. Every other
 * header's value words become `h:<name>:<word>` tokens (mailer, priority, list, organization, …).
 */
const NO_VALUE_HEADERS = /^(?:in-reply-to|references|resent-message-id|[\w-]*date|x-virus[\w-]*|x-scanned[\w-]*|x-spam[\w-]*|x-mailscanner[\w-]*)$/;
/** Headers whose addresses are tokens by domain. */
const ADDRESS_DOMAIN_HEADERS: Record<string, string> = {
  'return-path': 'rpath:', sender: 'sender:', 'errors-to': 'errors-to:', 'x-sender': 'x-sender:',
  'reply-to': 'replyto:', 'x-beenthere': 'list:', 'list-post': 'list:',
};
/** Header names longer than this are tokenized as `hdr:long`. */
const MAX_HEADER_NAME = 40;
const MAX_HOPS = 8;

/** Options that tell the header tokenizer about the receiving side's own mail servers. */
export interface HeaderTokenizerOptions {
  /** Lower-cased header names never tokenized. */
  ignore: ReadonlySet<string>;
  /** Lower-cased host names or domain suffixes of the receiving side. */
  trustedHosts: readonly string[];
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

function decodeBytes(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset.split('*')[0] ?? charset).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** Decodes RFC 2047 encoded words, reporting each charset through `onCharset`. */
export function decodeEncodedWords(value: string, onCharset?: (charset: string) => void): string {
  return value.replace(ENCODED_WORD, (_, charset: string, encoding: string, payload: string) => {
    onCharset?.(charset.toLowerCase());
    let bytes: Uint8Array;
    if (encoding === 'b' || encoding === 'B') {
      try {
        bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
      } catch {
        return ' ';
      }
    } else {
      const binary = payload.replace(/_/g, ' ').replace(/=([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0) & 0xff);
    }
    return decodeBytes(bytes, charset);
  });
}

export interface Address {
  name: string;
  address: string;
}

/** Splits an address list on commas outside quotes and angle brackets. */
export function parseAddresses(value: string): Address[] {
  const out: Address[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  const flush = (): void => {
    const item = current.trim();
    current = '';
    if (item === '') return;
    const m = /^(.*?)<([^>]*)>/.exec(item);
    if (m) {
      out.push({ name: (m[1] ?? '').trim().replace(/^"|"$/g, '').trim(), address: (m[2] ?? '').trim().toLowerCase() });
    } else {
      const bare = /[^\s<>()"]+@[^\s<>()",;]+/.exec(item);
      const comment = /\(([^)]*)\)/.exec(item);
      out.push({ name: comment?.[1]?.trim() ?? '', address: (bare?.[0] ?? item).toLowerCase() });
    }
  };
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') angle++;
    else if (!quoted && ch === '>') angle = Math.max(0, angle - 1);
    if (ch === ',' && !quoted && angle === 0) flush();
    else current += ch;
  }
  flush();
  return out;
}

function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0) return undefined;
  const domain = cleanHost(address.slice(at + 1).replace(/[>\s]/g, ''));
  return domain === '' ? undefined : domain;
}

/** Shape of an identifier segment: digits, hex, letters by case, or a mix, with lengths where telling. */
function segmentShape(segment: string): string {
  const n = segment.length;
  const len = n <= 4 ? String(n) : n <= 8 ? '5-8' : n <= 16 ? '9-16' : '17+';
  if (/^\d+$/.test(segment)) return 'd' + len;
  if (/^[a-z]+$/.test(segment)) return 'l';
  if (/^[A-Z]+$/.test(segment)) return 'U';
  if (/^[a-zA-Z]+$/.test(segment)) return 'm';
  if (/^[0-9a-f]+$/.test(segment)) return 'h' + len;
  if (/^[0-9A-F]+$/.test(segment)) return 'H' + len;
  return 'x' + len;
}

/** Shape of an identifier: `20020605133323.3036.qmail` → `d17+.d4.l`. */
export function idShape(id: string): string {
  const parts = id.split(/([^a-zA-Z0-9]+)/);
  let shape = '';
  for (let i = 0; i < parts.length && shape.length < 60; i++) {
    const part = parts[i] ?? '';
    if (part === '') continue;
    shape += i % 2 === 1 ? (part.length > 3 ? part.slice(0, 3) : part) : segmentShape(part);
  }
  return shape;
}

/** Tokens of a From value: address, domain, top-level domain, display-name words, local-part shape. */
export function fromTokens(value: string, emit: Emit): void {
  const decoded = decodeEncodedWords(value, (charset) => emit('from:enc:' + charset));
  const [first] = parseAddresses(decoded);
  if (!first || first.address === '') {
    emit('from:missing');
    return;
  }
  emit('from:addr:' + first.address);
  const domain = domainOf(first.address);
  if (domain === undefined) emit('from:no-domain');
  else hostTokens(domain, 'from:', emit);
  const local = first.address.slice(0, Math.max(0, first.address.lastIndexOf('@')));
  emit('from:local:' + idShape(local));
  if (first.name === '') emit('from:no-name');
  else {
    if (first.name.includes('@')) emit('from:name-has-at');
    textTokens(first.name, 'from:name:', emit);
  }
}

const IPV4_IN_TEXT = /\b\d{1,3}(?:\.\d{1,3}){3}\b/;

function isPrivateIp(ip: string): boolean {
  return /^(?:127\.|10\.|192\.168\.|169\.254\.|172\.(?:1[6-9]|2\d|3[01])\.|0\.)/.test(ip);
}

function isTrusted(host: string | undefined, trusted: readonly string[]): boolean {
  if (host === undefined) return false;
  const h = cleanHost(host);
  if (h === 'localhost' || h === 'localhost.localdomain') return true;
  return trusted.some((t) => h === t || h.endsWith('.' + t));
}

/** One Received header, parsed just enough for tokens. */
interface Hop {
  /** No from/by clause: a local injection such as "(qmail 86136 invoked by uid 3028)". */
  localWord?: string;
  helo?: string;
  /** The from clause's comment: reverse DNS and bracketed IP. */
  detail: string;
  ip?: string;
  byHost?: string;
  bySoftware?: string;
  protocol?: string;
}

function parseReceived(value: string): Hop {
  // Comments hold details ("(rdns [ip])", "(Postfix)") and also words like "by" that would confuse
  // the clause parser, so they are set aside first and referred to by index.
  const comments: string[] = [];
  const head = (value.split(';')[0] ?? value).replace(/\(([^()]*)\)/g, (_, inner: string) => ` \u0000${comments.push(inner) - 1} `);
  const fromClause = /^\s*from\s+([^\s\u0000]+)(?:\s+\u0000(\d+))?/i.exec(head);
  const byClause = /\bby\s+([^\s\u0000]+)(?:\s+\u0000(\d+))?/i.exec(head);
  if (!fromClause && !byClause) {
    const word = /[a-z]{3,}/i.exec(head.replace(/\u0000(\d+)/g, (_, i: string) => comments[Number(i)] ?? ''));
    return { localWord: word ? word[0].toLowerCase() : 'other', detail: '' };
  }
  const detail = fromClause?.[2] !== undefined ? (comments[Number(fromClause[2])] ?? '') : '';
  const fromRegion = fromClause ? head.slice(0, byClause && byClause.index > fromClause.index ? byClause.index : undefined) : '';
  const hop: Hop = { detail };
  const helo = fromClause?.[1]?.replace(/[[\]]/g, '');
  if (helo !== undefined) hop.helo = helo;
  const ip = IPV4_IN_TEXT.exec(detail)?.[0] ?? IPV4_IN_TEXT.exec(fromRegion)?.[0];
  if (ip !== undefined) hop.ip = ip;
  if (byClause?.[1] !== undefined) hop.byHost = byClause[1];
  if (byClause?.[2] !== undefined) hop.bySoftware = comments[Number(byClause[2])] ?? '';
  const protocol = /\bwith\s+([a-z][\w-]*)/i.exec(head)?.[1];
  if (protocol !== undefined) hop.protocol = protocol.toLowerCase();
  return hop;
}

/** Tokens of one hop on the sender's side of the receiving boundary; `fromOnly` for the boundary hop itself. */
function hopTokens(hop: Hop, hosts: Set<string>, fromOnly: boolean, emit: Emit): void {
  if (hop.localWord !== undefined) {
    emit('rcvd:local:' + hop.localWord);
    return;
  }
  const { helo, ip } = hop;
  if (helo !== undefined) {
    if (isIPv4(helo)) emit('rcvd:helo-ip');
    else if (!helo.includes('.')) emit('rcvd:helo-nodot');
    else {
      hostTokens(helo, 'rcvd:', emit);
      hosts.add(registeredDomain(cleanHost(helo)));
    }
  }
  const rdns = /^([^\s[\]()]+)/.exec(hop.detail.trim())?.[1];
  if (rdns !== undefined && !isIPv4(rdns)) {
    if (rdns.toLowerCase() === 'unknown') emit('rcvd:rdns-unknown');
    else if (rdns.includes('.')) {
      const host = rdns.replace(/^[^@]*@/, '');
      hostTokens(host, 'rcvd:', emit);
      hosts.add(registeredDomain(cleanHost(host)));
    }
  }
  if (ip !== undefined) {
    const [a, b, c] = ip.split('.');
    emit(`rcvd:ip:${a}.${b}.${c}`);
    emit(`rcvd:ip:${a}.${b}`);
  }
  if (fromOnly) return;
  if (hop.byHost !== undefined) {
    emit('rcvd:by:' + (isIPv4(hop.byHost) ? 'ip' : registeredDomain(cleanHost(hop.byHost))));
    for (const w of hop.bySoftware?.match(/[a-z]{3,}/gi) ?? []) emit('rcvd:mta:' + w.toLowerCase());
  }
  if (hop.protocol !== undefined) emit('rcvd:with:' + hop.protocol);
}

/** The hop's sending side is ours (trusted host, localhost, private address). */
function fromIsInternal(hop: Hop, trusted: readonly string[]): boolean {
  if (hop.ip !== undefined && isPrivateIp(hop.ip)) return true;
  const rdns = /^([^\s[\]()]+)/.exec(hop.detail.trim())?.[1];
  return isTrusted(hop.helo, trusted) || isTrusted(rdns, trusted) || (hop.helo === undefined && hop.ip === undefined);
}

/**
 * Tokens of the Received chain (newest hop first). Hops added by trusted hosts (or localhost)
 * belong to the receiving side: of the last of them only the sending relay is kept (what our own
 * server saw, the one part a sender cannot forge); hops from private addresses are skipped too.
 * Returns how many hops were tokenized.
 */
function receivedChainTokens(values: readonly string[], options: HeaderTokenizerOptions, hosts: Set<string>, emit: Emit): number {
  const hops = values.map(parseReceived);
  let boundary = -1;
  hops.forEach((hop, i) => {
    if (isTrusted(hop.byHost, options.trustedHosts)) boundary = i;
  });
  let count = 0;
  const edge = hops[boundary];
  if (edge !== undefined && edge.localWord === undefined && !fromIsInternal(edge, options.trustedHosts)) {
    hopTokens(edge, hosts, true, emit);
    count++;
  }
  for (let i = boundary + 1; i < hops.length && count < MAX_HOPS; i++) {
    const hop = hops[i] as Hop;
    if (hop.ip !== undefined && isPrivateIp(hop.ip)) continue;
    hopTokens(hop, hosts, false, emit);
    count++;
  }
  return count;
}

/** Tokens of the Date header: its time zone and its layout (which mailers write differently). */
function dateTokens(value: string, emit: Emit): void {
  const tz = /([+-]\d{4})\s*(?:\([^)]*\))?\s*$/.exec(value)?.[1];
  emit('date:tz:' + (tz ?? (/\b(?:GMT|UT|UTC)\b/i.test(value) ? 'gmt' : /\b[A-Z]{3}\b\s*$/.test(value) ? 'named' : 'none')));
  emit('date:shape:' + value.replace(/\([^)]*\)/g, '(c)').replace(/\p{L}+/gu, 'a').replace(/\d/g, '9').replace(/\s+/g, '_').slice(0, 48));
}

function contentTypeTokens(value: string, emit: Emit): void {
  const [type = '', ...params] = value.split(';');
  emit('ct:' + type.trim().toLowerCase());
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    const v = param.slice(eq + 1).trim().replace(/^"|"$/g, '');
    if (name === 'charset') emit('ct:charset:' + v.toLowerCase());
    else if (name === 'boundary') emit('ct:boundary:' + idShape(v));
    else emit('ct:param:' + name);
  }
}

function recipientTokens(prefix: string, value: string, trusted: readonly string[], emit: Emit): void {
  const list = parseAddresses(value);
  const n = list.length;
  emit(prefix + 'count:' + (n <= 2 ? String(n) : n <= 5 ? '3-5' : n <= 20 ? '6-20' : '21+'));
  if (/undisclosed|recipient list suppressed/i.test(value)) emit(prefix + 'undisclosed');
  for (const { name, address } of list.slice(0, 5)) {
    const domain = domainOf(address);
    // Our own domains are one token: which of our addresses was used is not the sender's trait.
    if (domain !== undefined) emit(prefix + (isTrusted(domain, trusted) ? 'self' : 'domain:' + registeredDomain(domain)));
    emit(prefix + (name === '' ? 'no-name' : 'name'));
  }
}

/**
 * Tokens of the header section. Every header gives a presence token with its name as written
 * (`hdr:X-Mailer`); selected headers also give value tokens by origin (`rcvd:`, `mid:`, `ct:`, …).
 * Subject and From are handled by the caller when given as dedicated fields (`skip`).
 */
export function headerTokens(headers: readonly NormalizedHeader[], options: HeaderTokenizerOptions, skip: ReadonlySet<string>, from: string | undefined, emit: Emit): void {
  if (headers.length === 0) return;
  const received: string[] = [];
  let sawMessageId = false;
  let fromDomain = from === undefined ? undefined : domainOf(parseAddresses(decodeEncodedWords(from))[0]?.address ?? '');
  let replyDomain: string | undefined;
  let returnDomain: string | undefined;
  let messageIdDomain: string | undefined;
  const hopDomains = new Set<string>();
  let previousName = '';
  for (const { name, key, value } of headers) {
    if (options.ignore.has(key)) continue;
    if (key !== 'received') {
      // Adjacent header names, as written: each mailer writes its own headers in its own order.
      const written = name.length > MAX_HEADER_NAME ? 'long' : name;
      emit('hord:' + previousName + '>' + written);
      previousName = written;
    }
    if (key === 'received') {
      // Presence of Received is universal; the chain is tokenized as a whole below.
      received.push(value);
      continue;
    }
    emit('hdr:' + (name.length > MAX_HEADER_NAME ? 'long' : name));
    if (skip.has(key)) continue;
    switch (key) {
      case 'subject':
        subjectTokens(value, emit);
        break;
      case 'from':
        fromTokens(value, emit);
        fromDomain = domainOf(parseAddresses(decodeEncodedWords(value))[0]?.address ?? '');
        break;
      case 'to':
      case 'cc':
        recipientTokens(key + ':', value, options.trustedHosts, emit);
        break;
      case 'message-id': {
        sawMessageId = true;
        const id = value.replace(/^<|>$/g, '').trim();
        const at = id.lastIndexOf('@');
        if (at < 0) emit('mid:no-domain:' + idShape(id));
        else {
          emit('mid:local:' + idShape(id.slice(0, at)));
          const host = cleanHost(id.slice(at + 1));
          if (isIPv4(host)) emit('mid:host-ip');
          else if (!host.includes('.')) emit('mid:host-nodot');
          else {
            messageIdDomain = registeredDomain(host);
            emit('mid:' + messageIdDomain);
          }
          for (const w of id.slice(0, at).match(/[a-zA-Z]{3,}/g) ?? []) emit('mid:word:' + w.toLowerCase());
        }
        break;
      }
      case 'date':
        dateTokens(value, emit);
        break;
      case 'content-type':
        contentTypeTokens(value, emit);
        break;
      case 'content-transfer-encoding':
        emit('cte:' + value.toLowerCase());
        break;
      case 'x-originating-ip': {
        const ip = /\d{1,3}(?:\.\d{1,3}){3}/.exec(value)?.[0];
        if (ip !== undefined) hostTokens(ip, 'x-originating-ip:', emit);
        break;
      }
      default: {
        const prefix = ADDRESS_DOMAIN_HEADERS[key];
        if (prefix !== undefined) {
          const address = parseAddresses(value)[0]?.address ?? '';
          const domain = domainOf(address);
          if (domain === undefined) emit(prefix + (address === '' ? 'empty' : 'no-domain'));
          else emit(prefix + registeredDomain(domain));
          if (key === 'reply-to') replyDomain = domain;
          if (key === 'return-path') returnDomain = domain;
        } else if (!NO_VALUE_HEADERS.test(key)) {
          const p = 'h:' + key + ':';
          for (const chunk of decodeEncodedWords(value).split(/[\s;,<>()"]+/)) wordTokens(chunk, p, emit);
        }
      }
    }
  }
  emit('rcvd:hops:' + receivedChainTokens(received, options, hopDomains, emit));
  if (!sawMessageId) emit('mid:missing');
  // Whether the sender's domain is consistent across headers: legitimate bulk mail (newsletters)
  // usually is, forged spam usually is not.
  if (fromDomain !== undefined) {
    const sender = registeredDomain(fromDomain);
    const compare = (name: string, other: string | undefined): void => {
      emit(`align:${name}:` + (other === undefined ? 'none' : registeredDomain(other) === sender ? 'same' : 'other'));
    };
    compare('replyto', replyDomain);
    compare('return-path', returnDomain);
    compare('message-id', messageIdDomain);
    emit('align:received:' + (hopDomains.size === 0 ? 'none' : hopDomains.has(sender) ? 'same' : 'other'));
  }
}

/** Tokens of a subject: its words (`subject:`), its charsets, and its typography. */
export function subjectTokens(value: string, emit: Emit): void {
  const subject = decodeEncodedWords(value, (charset) => emit('subject:enc:' + charset));
  const trimmed = subject.trim();
  if (trimmed === '') {
    emit('subject:empty');
    return;
  }
  const words = new WordTokenizer('subject:', emit, true);
  for (const chunk of splitWhitespace(trimmed)) words.chunk(chunk);
  if (/^(?:re|aw|sv|antw)\s*:/i.test(trimmed)) emit('subject:reply');
  if (/^(?:fwd?|wg|tr)\s*:/i.test(trimmed)) emit('subject:forward');
  if (/!/.test(trimmed)) emit('subject:exclamation');
  if (/\$|€|£/.test(trimmed)) emit('subject:currency');
  if (/\s{3,}\S+$/.test(trimmed)) emit('subject:trailing-gap');
  const letters = trimmed.replace(/[^\p{L}]/gu, '');
  if (letters.length >= 6 && letters === letters.toUpperCase() && letters !== letters.toLowerCase()) emit('subject:all-caps');
}
