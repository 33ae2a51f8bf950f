#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { applyMigrations } from '../db/migrations.js';
import { createWorkspace } from '../domain/workspaces/workspaces.js';
import { seedDemo } from './seed.js';
import { trainSpamFilter } from './spam-train.js';

const usage = `deskql <command>

  start                         run the server (same as npm start in the repository)
  migrate                       apply pending database migrations
  workspace create --name N --admin-name A --admin-email E
                                create a workspace, its first admin and an admin token
  seed                          create the demo workspace with sample data
  spam train [--workspace ID] --spam PATH... --ham PATH...
                                teach a workspace's spam filter from existing mail: folders with one
                                message per file, or mbox files (each option may repeat)

Settings come from the environment: DATABASE_URL (default file:./data/deskql.db), HOST, PORT.`;

async function run(argv: string[]) {
  const [command, sub, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'start': {
      const { main } = await import('../main.js');
      return main();
    }
    case 'migrate': {
      const applied = await applyMigrations(config.DATABASE_URL);
      console.log(applied.length ? `Applied ${applied.join(', ')}` : 'The database is up to date.');
      return exit(0);
    }
    case 'workspace': {
      if (sub !== 'create') break;
      const { values } = parseArgs({
        args: rest,
        options: { name: { type: 'string' }, 'admin-name': { type: 'string' }, 'admin-email': { type: 'string' } },
      });
      await applyMigrations(config.DATABASE_URL);
      const { db, close } = await openDatabase(config.DATABASE_URL);
      const created = await createWorkspace(db, {
        name: values.name ?? '',
        admin: { name: values['admin-name'] ?? '', email: values['admin-email'] ?? '' },
      });
      console.log(`Workspace ${created.workspace.name} (${created.workspace.id})`);
      console.log(`Admin ${created.admin.email}; token (shown once): ${created.token}`);
      await close();
      return exit(0);
    }
    case 'spam': {
      if (sub !== 'train') break;
      const { values } = parseArgs({
        args: rest,
        options: {
          workspace: { type: 'string' },
          spam: { type: 'string', multiple: true, default: [] },
          ham: { type: 'string', multiple: true, default: [] },
        },
      });
      if (values.spam.length + values.ham.length === 0) break;
      await applyMigrations(config.DATABASE_URL);
      const { db, close } = await openDatabase(config.DATABASE_URL);
      const workspaces = await db.workspace.findMany({ select: { id: true, name: true } });
      const workspace = values.workspace ? workspaces.find((w) => w.id === values.workspace) : workspaces.length === 1 ? workspaces[0] : undefined;
      if (!workspace) {
        console.error(`Name the workspace with --workspace; there are: ${workspaces.map((w) => `${w.id} (${w.name})`).join(', ') || 'none'}`);
        return exit(2);
      }
      const learned = await trainSpamFilter(db, workspace.id, [
        ...values.spam.map((path) => ({ path, label: 'spam' as const })),
        ...values.ham.map((path) => ({ path, label: 'ham' as const })),
      ]);
      console.log(`Workspace ${workspace.name}: learned ${learned.spam} spam and ${learned.ham} ham messages.`);
      await close();
      return exit(0);
    }
    case 'seed': {
      await applyMigrations(config.DATABASE_URL);
      const { db, close } = await openDatabase(config.DATABASE_URL);
      const demo = await seedDemo(db);
      console.log(JSON.stringify(demo, null, 2));
      await close();
      return exit(0);
    }
  }
  console.error(usage);
  return exit(command ? 2 : 0);
}

// pg keeps idle pool clients for seconds after the work is done (PLATFORM-NOTES pitfall 14).
function exit(code: number) {
  process.exit(code);
}

run(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
