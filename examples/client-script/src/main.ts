// Usage: DESKQL_TOKEN=<agent token> npm start -w @deskql/example-client-script -- [--reply "text"] [--follow "Smart folder"]
// DESKQL_URL defaults to http://127.0.0.1:4000/graphql.
import { parseArgs } from 'node:util';
import { runScript } from './script.js';

const { values } = parseArgs({ options: { reply: { type: 'string' }, follow: { type: 'string' } } });
const token = process.env.DESKQL_TOKEN;
if (!token) {
  console.error('Set DESKQL_TOKEN to an agent API token (npm start prints the demo tokens once).');
  process.exit(2);
}
const stop = new AbortController();
process.on('SIGINT', () => stop.abort());
await runScript({
  url: process.env.DESKQL_URL ?? 'http://127.0.0.1:4000/graphql',
  token,
  reply: values.reply,
  follow: values.follow,
  signal: stop.signal,
}).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
