import { describe, expect, it } from 'vitest';
import { describeSettings, loadConfig, settings } from './config.js';

describe('loadConfig', () => {
  it('has a default for everything but the token and the optional TLS and host name', () => {
    expect(loadConfig({})).toMatchObject({
      DESKQL_API_URL: 'http://127.0.0.1:4000/graphql',
      INGEST_TOKEN: undefined,
      INGEST_TOKEN_FILE: './data/ingest-token',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: 2525,
      SMTP_HOSTNAME: undefined,
      MAX_MESSAGE_SIZE: 25 * 1024 * 1024,
      MAX_RECIPIENTS: 100,
      MAX_CONNECTIONS_PER_CLIENT: 20,
      TLS_KEY_FILE: undefined,
      LOG_LEVEL: 'info',
    });
  });

  it('reads sizes with units, token lists and numbers', () => {
    const config = loadConfig({ MAX_MESSAGE_SIZE: '10M', INGEST_TOKEN: ' one , two,', SMTP_PORT: '25', ADDRESS_REFRESH_MS: '2000' });
    expect(config).toMatchObject({ MAX_MESSAGE_SIZE: 10 * 1024 * 1024, INGEST_TOKEN: ['one', 'two'], SMTP_PORT: 25, ADDRESS_REFRESH_MS: 2000 });
    expect(loadConfig({ MAX_MESSAGE_SIZE: '512K' }).MAX_MESSAGE_SIZE).toBe(512 * 1024);
    expect(loadConfig({ MAX_MESSAGE_SIZE: '1048576' }).MAX_MESSAGE_SIZE).toBe(1048576);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ SMTP_PORT: '', INGEST_TOKEN: '  ' })).toMatchObject({ SMTP_PORT: 2525, INGEST_TOKEN: undefined });
  });

  it('fails with every problem at once', () => {
    const read = () =>
      loadConfig({ SMTP_PORT: '70000', LOG_LEVEL: 'loud', MAX_MESSAGE_SIZE: '12', DESKQL_API_URL: 'ftp://x', TLS_KEY_FILE: '/k.pem' });
    expect(read).toThrow(/SMTP_PORT="70000": must be a whole number from 0 to 65535/);
    expect(read).toThrow(/LOG_LEVEL="loud": must be one of debug, info, warn, error/);
    expect(read).toThrow(/MAX_MESSAGE_SIZE="12"/);
    expect(read).toThrow(/DESKQL_API_URL="ftp:\/\/x"/);
    expect(read).toThrow(/TLS_KEY_FILE and TLS_CERT_FILE: set both/);
  });

  it('describes every setting', () => {
    const text = describeSettings();
    for (const name of Object.keys(settings)) expect(text).toContain(name);
  });
});
