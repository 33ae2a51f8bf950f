// bogofilter (Debian package: apt-get install -y bogofilter) driven on the same messages, each
// written to a file as received (mbox "From " line removed). Default configuration; "Unsure" is
// counted as not spam, as bogofilter itself does.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CorpusMessage } from './corpus.js';
import type { Outcome } from './stats.js';

export function bogofilterVersion(): string | undefined {
  const r = spawnSync('bogofilter', ['-V'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return /bogofilter version (\S+)/.exec(r.stdout + r.stderr)?.[1];
}

/** Runs bogofilter and resolves with its stdout (its exit code encodes the verdict, so it is ignored). */
function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bogofilter', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

function verdictOf(letter: string | undefined): Outcome['verdict'] {
  return letter === 'S' ? 'spam' : letter === 'H' ? 'ham' : 'unsure';
}

export class Bogofilter {
  private readonly dir = mkdtempSync(join(tmpdir(), 'deskql-bogofilter-'));
  private readonly paths = new Map<string, string>();

  constructor(messages: readonly CorpusMessage[]) {
    mkdirSync(join(this.dir, 'mail'));
    messages.forEach((m, i) => {
      const path = join(this.dir, 'mail', `${i}.eml`);
      writeFileSync(path, m.raw);
      this.paths.set(m.id, path);
    });
  }

  private path(m: CorpusMessage): string {
    const p = this.paths.get(m.id);
    if (p === undefined) throw new Error(`no file for ${m.id}`);
    return p;
  }

  private db(name: string): string {
    const d = join(this.dir, name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  /** Registers messages in bulk (-b reads file names from stdin). Returns elapsed ms. */
  train(db: string, messages: readonly CorpusMessage[]): number {
    const started = performance.now();
    for (const label of ['spam', 'ham'] as const) {
      const list = messages.filter((m) => m.label === label).map((m) => this.path(m));
      const r = spawnSync('bogofilter', ['-d', this.db(db), label === 'spam' ? '-s' : '-n', '-b'], { input: list.join('\n') + '\n', encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bogofilter registration failed: ${r.stderr}`);
    }
    return performance.now() - started;
  }

  /** Scores messages in bulk with -T (terse "name S|H|U score" lines). */
  classify(db: string, messages: readonly CorpusMessage[]): { outcomes: Outcome[]; ms: number } {
    const started = performance.now();
    const r = spawnSync('bogofilter', ['-d', this.db(db), '-T', '-b'], { input: messages.map((m) => this.path(m)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const ms = performance.now() - started;
    const byPath = new Map<string, { letter: string; score: number }>();
    for (const line of r.stdout.trim().split('\n')) {
      const [path, letter, score] = line.trim().split(/\s+/);
      if (path !== undefined && letter !== undefined) byPath.set(path, { letter, score: Number(score) });
    }
    const outcomes = messages.map((m) => {
      const hit = byPath.get(this.path(m));
      if (!hit) throw new Error(`bogofilter gave no result for ${m.id}`);
      return { label: m.label, hard: m.hard, score: hit.score, verdict: verdictOf(hit.letter) };
    });
    return { outcomes, ms };
  }

  /**
   * Online: for each message, classify with the wordlist so far, then register its true label.
   * One process per step, run asynchronously so that the caller's own work proceeds meanwhile.
   */
  async online(db: string, stream: readonly CorpusMessage[]): Promise<{ outcomes: Outcome[]; ms: number }> {
    const dir = this.db(db);
    const outcomes: Outcome[] = [];
    const started = performance.now();
    let learned = 0;
    for (const m of stream) {
      const file = this.path(m);
      let verdict: Outcome['verdict'] = 'unsure';
      let score = 0.5;
      if (learned > 0) {
        const [letter, value] = (await run(['-d', dir, '-T', '-I', file])).trim().split(/\s+/);
        verdict = verdictOf(letter);
        score = Number(value);
      }
      outcomes.push({ label: m.label, hard: m.hard, score, verdict });
      await run(['-d', dir, m.label === 'spam' ? '-s' : '-n', '-I', file]);
      learned++;
    }
    return { outcomes, ms: performance.now() - started };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
