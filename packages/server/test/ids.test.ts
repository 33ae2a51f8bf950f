import { expect, it } from 'vitest';
import { newId } from '../src/db/ids.js';
import { startTestServer } from '../src/testing/index.js';

it("makes ids in the format of Prisma's cuid(), unique and in creation order", async () => {
  const ids = Array.from({ length: 20_000 }, () => newId());
  for (const id of ids.slice(0, 100)) expect(id).toMatch(/^c[0-9a-z]{24}$/);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual(ids);

  // the ids Prisma makes itself look the same
  const server = await startTestServer();
  try {
    const { workspaceId } = await server.createWorkspace('Ids');
    expect(workspaceId).toMatch(/^c[0-9a-z]{24}$/);
  } finally {
    await server.close();
  }
});
