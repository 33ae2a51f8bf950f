import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('server settings', () => {
  it('reads the largest mail size in bytes, K, M or G, 25M by default', () => {
    expect(loadConfig({}).DESKQL_MAX_MESSAGE_SIZE).toBe(25 * 1024 * 1024);
    expect(loadConfig({ DESKQL_MAX_MESSAGE_SIZE: '50M' }).DESKQL_MAX_MESSAGE_SIZE).toBe(50 * 1024 * 1024);
    expect(loadConfig({ DESKQL_MAX_MESSAGE_SIZE: '512K' }).DESKQL_MAX_MESSAGE_SIZE).toBe(512 * 1024);
    expect(loadConfig({ DESKQL_MAX_MESSAGE_SIZE: '1048576' }).DESKQL_MAX_MESSAGE_SIZE).toBe(1048576);
    expect(() => loadConfig({ DESKQL_MAX_MESSAGE_SIZE: 'big' })).toThrow(/DESKQL_MAX_MESSAGE_SIZE: must be a size/);
  });
});
