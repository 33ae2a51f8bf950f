/** What a regex pass over an HTML part yields: its visible text, its links, and its markup traits. */
export interface HtmlScan {
  text: string;
  /** href/action targets. */
  links: string[];
  /** img/background sources. */
  images: string[];
  /** Lower-cased tag names and notable markup traits (`comment`, `hidden`, `form`, …). */
  traits: Set<string>;
}

const COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
/** `<!DOCTYPE …>`, `<![CDATA[…]]>`, `<?xml …?>`. */
const DECLARATION = /<[!?][^>]*>/g;
const INVISIBLE_BLOCK = /<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const TAG = /<\/?([a-zA-Z][a-zA-Z0-9:-]*)([^>]*)>/g;
const ATTRIBUTE = /([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/g;
/** Inline markup: removing it must not split a word ("V<b></b>iagra" is one word). */
const INLINE = new Set(['a', 'abbr', 'b', 'big', 'em', 'font', 'i', 'ins', 'kbd', 'q', 's', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'tt', 'u', 'wbr']);
/** Tags reported as traits; the long tail of other tag names carries little signal. */
const TRAIT_TAGS = new Set(['a', 'b', 'blink', 'body', 'br', 'center', 'div', 'embed', 'font', 'form', 'frame', 'h1', 'h2', 'head', 'html', 'i', 'iframe', 'img', 'input', 'marquee', 'meta', 'object', 'p', 'script', 'select', 'span', 'style', 'table', 'td', 'title', 'u']);

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™',
  euro: '€', pound: '£', yen: '¥', cent: '¢', mdash: '—', ndash: '–', hellip: '…', laquo: '«', raquo: '»',
  rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“', middot: '·', bull: '•', times: '×', deg: '°',
};

/** Decodes named (common ones) and numeric character references. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[xX]?[0-9a-fA-F]+|[a-zA-Z]+);?/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (Number.isFinite(code) && code > 0 && code <= 0x10ffff) {
        try {
          return String.fromCodePoint(code);
        } catch {
          return ' ';
        }
      }
      return ' ';
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/**
 * Strips tags from an HTML part. Regex based on purpose: mail HTML is often broken, and a filter
 * must see what a naive renderer shows (comments and inline tags removed without a space).
 */
export function scanHtml(html: string): HtmlScan {
  const traits = new Set<string>();
  const links: string[] = [];
  const images: string[] = [];
  let source = html;
  if (COMMENT.test(source)) traits.add('comment');
  COMMENT.lastIndex = 0;
  source = source.replace(COMMENT, '');
  source = source.replace(DECLARATION, ' ');
  source = source.replace(INVISIBLE_BLOCK, (_, tag: string) => {
    traits.add(tag.toLowerCase());
    return ' ';
  });
  const text = source.replace(TAG, (_, rawName: string, attributes: string) => {
    const name = rawName.toLowerCase();
    if (TRAIT_TAGS.has(name)) traits.add(name);
    if (attributes.length > 0) {
      ATTRIBUTE.lastIndex = 0;
      let a: RegExpExecArray | null;
      while ((a = ATTRIBUTE.exec(attributes)) !== null) {
        const attr = (a[1] ?? '').toLowerCase();
        const value = decodeEntities(a[2] ?? a[3] ?? a[4] ?? '');
        if (attr === 'href' || attr === 'action') links.push(value);
        else if (attr === 'src' || attr === 'background') images.push(value);
        else if (attr === 'style' && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(value)) traits.add('hidden');
        else if (attr === 'color' || attr === 'bgcolor') traits.add('color');
        else if (attr === 'size' && name === 'font') traits.add('font-size');
      }
    }
    return INLINE.has(name) ? '' : ' ';
  });
  return { text: decodeEntities(text), links, images, traits };
}
