import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { generateClient, outputDir } from '../scripts/generate-client.mjs';

describe('src/client/generated', () => {
  it('is what scripts/generate-client.mjs makes from schema.graphql and the operations (run `npm run generate -w @deskql/sdk`)', async () => {
    const files = (await generateClient()) as Array<{ path: string; content: string }>;
    expect(readdirSync(outputDir).sort()).toEqual(files.map((f) => f.path).sort());
    for (const file of files) expect(readFileSync(join(outputDir, file.path), 'utf8'), file.path).toBe(file.content);
  }, 30_000);
});
