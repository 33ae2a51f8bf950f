// Writes the two provider schemas from prisma/base.prisma and generates their
// clients (plus the Pothos types, from the SQLite one: both DMMFs are equal).
// The Prisma CLI cannot download its schema engine here and does not need it
// for `generate`, hence PRISMA_SCHEMA_ENGINE_BINARY.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const base = readFileSync(join(root, 'prisma/base.prisma'), 'utf8');

export const providers = { sqlite: 'sqlite', pg: 'postgresql' };

export function providerSchema(name, models = base) {
  const pothos =
    name === 'sqlite'
      ? `\ngenerator pothos {\n  provider     = "prisma-pothos-types"\n  clientOutput = "./client.js"\n  output       = "../../src/generated/sqlite/pothos-types.ts"\n}\n`
      : '';
  return `// Generated from base.prisma by scripts/generate-prisma.mjs. Do not edit.
generator client {
  provider     = "prisma-client"
  output       = "../../src/generated/${name}"
  moduleFormat = "esm"
}
${pothos}
datasource db {
  provider = "${providers[name]}"
}

${models}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const name of Object.keys(providers)) {
    const file = join(root, 'prisma', name, 'schema.prisma');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, providerSchema(name));
    execFileSync(process.execPath, [resolvePrismaCli(), 'generate', '--schema', file], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        PATH: `${join(root, '../../node_modules/.bin')}:${join(root, 'node_modules/.bin')}:${process.env.PATH}`,
        PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
  }
}

function resolvePrismaCli() {
  return fileURLToPath(import.meta.resolve('prisma/build/index.js'));
}
