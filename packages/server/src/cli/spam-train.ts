import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Db } from '../db/database.js';
import { parseEmail } from '../domain/mail/inbound-email.js';
import { spamTokens } from '../domain/spam/spam-features.js';
import { updateSpamCounts, type SpamLabel } from '../domain/spam/spam-filter.js';

/** Every message under a path: one file per message in a folder (recursively), or an mbox file. */
export async function* messagesAt(path: string): AsyncGenerator<Buffer> {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      yield* messagesAt(join(path, entry.name));
    }
    return;
  }
  const head = readFileSync(path, { encoding: 'latin1', flag: 'r' }).slice(0, 5);
  if (head !== 'From ') {
    yield readFileSync(path);
    return;
  }
  // mbox: messages start at lines beginning with "From "; ">From " lines are unescaped.
  let lines: string[] = [];
  const lineReader = createInterface({ input: createReadStream(path, { encoding: 'latin1' }), crlfDelay: Infinity });
  for await (const line of lineReader) {
    if (line.startsWith('From ')) {
      if (lines.length) yield Buffer.from(lines.join('\n'), 'latin1');
      lines = [];
      continue;
    }
    lines.push(/^>+From /.test(line) ? line.slice(1) : line);
  }
  if (lines.length) yield Buffer.from(lines.join('\n'), 'latin1');
}

function progress(done: number, total: number, label: string) {
  const width = 30;
  const filled = total ? Math.round((done / total) * width) : width;
  process.stderr.write(`\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`);
}

/** Counts messages first (for the progress bar), then learns them into the workspace's spam counts. */
export async function trainSpamFilter(db: Db, workspaceId: string, sources: Array<{ path: string; label: SpamLabel }>) {
  const totals = { spam: 0, ham: 0 };
  let total = 0;
  for (const source of sources) for await (const _ of messagesAt(source.path)) total++;
  let done = 0;
  for (const source of sources) {
    for await (const raw of messagesAt(source.path)) {
      const tokens = spamTokens(await parseEmail(raw));
      await db.$transaction((tx) => updateSpamCounts(tx, workspaceId, tokens, source.label, 1));
      totals[source.label]++;
      progress(++done, total, `learning ${source.label}`);
    }
  }
  process.stderr.write('\n');
  return totals;
}
