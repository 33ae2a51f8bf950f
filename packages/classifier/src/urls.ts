/** Finds http(s)/ftp/www links in free text. */
export const URL_IN_TEXT = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`{}|\\^\])]+/giu;
/** Finds mail addresses in free text. */
export const EMAIL_IN_TEXT = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** Second-level labels under which registrations happen one level deeper (co.uk, com.br, …). */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'ac', 'edu', 'ne', 'or', 'go', 'gob', 'mil']);

/** True for a dotted-quad IPv4 literal. */
export function isIPv4(host: string): boolean {
  return IPV4.test(host);
}

/** The registrable part of a host name: `mail.example.co.uk` → `example.co.uk`. */
export function registeredDomain(host: string): string {
  const labels = host.split('.').filter((l) => l !== '');
  if (labels.length <= 2 || isIPv4(host)) return labels.join('.');
  const sld = labels[labels.length - 2] ?? '';
  const tld = labels[labels.length - 1] ?? '';
  const keep = tld.length === 2 && SECOND_LEVEL.has(sld) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/** Lower-cases a host name, strips a trailing dot, brackets and a leading `www.`. */
export function cleanHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .replace(/^www\d*\./, '');
}

/** Tokens of a host name: the host, its registered domain and its top-level domain (or `ip`). */
export function hostTokens(host: string, prefix: string, emit: (token: string) => void): void {
  const h = cleanHost(host);
  if (h === '') return;
  if (isIPv4(h)) {
    emit(prefix + 'ip');
    const [a, b, c] = h.split('.');
    emit(`${prefix}ip:${a}.${b}.${c}`);
    return;
  }
  if (!/^[\p{L}\p{N}.-]+$/u.test(h)) {
    emit(prefix + 'odd-host');
    return;
  }
  emit(prefix + h);
  const domain = registeredDomain(h);
  if (domain !== h) emit(prefix + domain);
  const tld = h.slice(h.lastIndexOf('.') + 1);
  emit(prefix + 'tld:' + tld);
}

/**
 * Tokens of one link: scheme, host tokens, and the obfuscation tricks spam uses
 * (user-info before the host, %-encoded hosts, numeric hosts, explicit ports).
 * `prefix` is `url:` for links, `img:` for image sources.
 */
export function urlTokens(raw: string, prefix: string, emit: (token: string) => void): void {
  let url = raw.trim().replace(/[.,;:!?)]+$/, '');
  if (url === '') return;
  if (/^mailto:/i.test(url)) {
    const address = url.slice(7).split('?')[0] ?? '';
    const at = address.lastIndexOf('@');
    if (at > 0) hostTokens(address.slice(at + 1), 'mailto:', emit);
    return;
  }
  if (/^www\./i.test(url)) url = 'http://' + url;
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?/i.exec(url);
  if (!m) return;
  const scheme = (m[1] ?? '').toLowerCase();
  let authority = m[2] ?? '';
  const path = m[3] ?? '';
  emit(prefix + 'scheme:' + scheme);
  if (authority.includes('@')) {
    emit(prefix + 'userinfo');
    authority = authority.slice(authority.lastIndexOf('@') + 1);
  }
  if (authority.includes('%')) {
    emit(prefix + 'encoded-host');
    try {
      authority = decodeURIComponent(authority);
    } catch {
      // Keep the raw form; the encoded-host token already says enough.
    }
  }
  const portMatch = /:(\d+)$/.exec(authority);
  if (portMatch) {
    emit(prefix + 'port');
    authority = authority.slice(0, -portMatch[0].length);
  }
  hostTokens(authority, prefix, emit);
  // The first path segment often names the campaign script ("cgi-bin", "unsubscribe", "track").
  const first = path.split('/').find((s) => s !== '');
  if (first !== undefined) {
    const word = first.toLowerCase();
    if (/^[\p{L}_-]{2,20}(?:\.[a-z]{2,5})?$/u.test(word)) emit(prefix + 'path:' + word);
    else emit(prefix + 'path:' + (word.length > 20 ? 'long' : 'other'));
  }
  if (m[4]) emit(prefix + 'query');
}
