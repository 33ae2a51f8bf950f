// Applies one packages/server copy's migrations to a database, in its own process: Prisma's schema-engine
// wasm bindings are one module per process, and two copies of db/migrations.ts cannot share them.
//   node --import tsx bench/api/migrate.ts <serverDir> <DATABASE_URL>
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [serverDir, url] = process.argv.slice(2);
if (!serverDir || !url) {
  console.error('usage: migrate.ts <serverDir> <DATABASE_URL>');
  process.exit(2);
}
const { applyMigrations } = (await import(pathToFileURL(join(serverDir, 'src/db/migrations.ts')).href)) as typeof import('../../packages/server/src/db/migrations.js');
await applyMigrations(url);
process.exit(0);
