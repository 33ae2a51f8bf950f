// `npm start`: runs the DeskQL server on the embedded default (SQLite in ./data)
// in the foreground and stops it cleanly on Ctrl-C or SIGTERM.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const processes = [
  spawn(process.execPath, ['packages/server/dist/main.js'], { cwd: root, stdio: 'inherit', env: process.env }),
];

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  for (const child of processes) if (child.exitCode === null) child.kill(signal);
}
process.on('SIGINT', () => stop('SIGTERM'));
process.on('SIGTERM', () => stop('SIGTERM'));
for (const child of processes) {
  child.on('exit', (code) => {
    stop('SIGTERM');
    if (processes.every((p) => p.exitCode !== null || p.signalCode !== null)) process.exit(code ?? 0);
  });
}
