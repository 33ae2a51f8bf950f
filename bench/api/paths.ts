import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** `file:./x.db` → absolute path (as packages/server/src/db/database.ts resolves it), creating its folder. */
export function sqliteFilePath(url: string): string {
  const path = resolve(url.slice('file:'.length));
  mkdirSync(dirname(path), { recursive: true });
  return path;
}
