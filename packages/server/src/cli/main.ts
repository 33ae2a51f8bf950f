#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { applyMigrations } from '../db/migrations.js';
import { createWorkspace } from '../domain/workspaces/workspaces.js';
import { seedDemo } from './seed.js';

const usage = `deskql <command>

  start                         run the server (same as npm start in the repository)
  migrate                       apply pending database migrations
  workspace create --name N --admin-name A --admin-email E
                                create a workspace, its first admin and an admin token
  seed                          create the demo workspace with sample data

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
