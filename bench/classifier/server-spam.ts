// The server's spam modules from packages/server/dist (as the SMTP daemon's server runs them), and the
// training part tokenized both ways, shared by server-cv.ts, workspace-cv.ts and server-config.ts. Importing
// it loads no base model (the server reads one on first use, so DESKQL_SPAM_BASE_MODEL may be set later).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createModel, TOKENIZER_VERSION, type ClassifyOptions, type SpamModel } from '@deskql/classifier';
import { TOKENIZER_VERSION as SOURCE_TOKENIZER_VERSION } from '../../packages/classifier/src/tokenize.js';
import { baseModelTokens, learnAsBaseModel, pruneAsBaseModel } from '../../packages/classifier/scripts/base-model-training.js';
import { SEED, TRAIN_SHARE } from './config.js';
import { loadCorpus } from './corpus.js';
import { stratifiedSplit } from './stats.js';

// Base models are trained with the classifier's source, the server tokenizes with its dist/: they must agree.
if (TOKENIZER_VERSION !== SOURCE_TOKENIZER_VERSION) {
  throw new Error(`@deskql/classifier dist/ tokenizes v${TOKENIZER_VERSION}, src/ v${SOURCE_TOKENIZER_VERSION}: run npm run build -w @deskql/classifier`);
}
const dist = dirname(createRequire(import.meta.url).resolve('@deskql/server'));
/** A module of the server's dist/, by its path there (e.g. 'domain/spam/spam-filter.js'). */
export const serverModule = async <T>(path: string) => (await import(pathToFileURL(join(dist, path)).href)) as T;
const { parseEmail } = await serverModule<{ parseEmail(raw: Buffer): Promise<unknown> }>('domain/mail/inbound-email.js');
const { spamTokens } = await serverModule<{ spamTokens(email: unknown): string[] }>('domain/spam/spam-features.js');

export type OwnRow = { token: string; spam: number; ham: number };
export interface ServerSpamFilter {
  contentPart(model: SpamModel): SpamModel;
  effectiveModel(shipped: SpamModel, totals: { spamMessages: number; hamMessages: number } | null, own: OwnRow[], tokens: readonly string[]): SpamModel;
  SERVER_CLASSIFY_OPTIONS: ClassifyOptions;
}
const filter = await serverModule<Partial<ServerSpamFilter>>('domain/spam/spam-filter.js');
if (!filter.contentPart || !filter.effectiveModel || !filter.SERVER_CLASSIFY_OPTIONS) {
  throw new Error('packages/server/dist is stale: run npm run build -w @deskql/server');
}
/** packages/server/src/domain/spam/spam-filter.ts, as built. */
export const serverFilter = filter as ServerSpamFilter;
const marking = await serverModule<{ AUTO_LEARN_HAM_ABOVE?: number }>('domain/spam/marking.js');
if (marking.AUTO_LEARN_HAM_ABOVE === undefined) throw new Error('packages/server/dist is stale: run npm run build -w @deskql/server');
/** An answered mail is learned as ham only if it scored above this (packages/server/src/domain/spam/marking.ts). */
export const AUTO_LEARN_HAM_ABOVE = marking.AUTO_LEARN_HAM_ABOVE;

export interface TrainingItem {
  label: 'spam' | 'ham';
  hard: boolean;
  /** As train-base-model.ts learns it. */
  learnTokens: string[];
  /** As the server scores (and a workspace learns) it. */
  serverTokens: string[];
}

/** The training part of the seeded split, each message parsed and tokenized both ways. */
export async function trainingItemsBothWays(log: (...parts: unknown[]) => void): Promise<TrainingItem[]> {
  const { messages } = loadCorpus();
  const { train } = stratifiedSplit(messages, TRAIN_SHARE, SEED);
  const items: TrainingItem[] = [];
  for (const [i, m] of train.entries()) {
    if (i % 1000 === 0) log(`tokenizing ${i}/${train.length}`);
    items.push({ label: m.label, hard: m.hard, learnTokens: await baseModelTokens(m.raw), serverTokens: spamTokens(await parseEmail(m.raw)) });
  }
  return items;
}

/** What a cold workspace reads of a base model trained on these items: learned and pruned as shipped, content tokens only. */
export function serverBaseModel(learned: readonly TrainingItem[]): SpamModel {
  const model = createModel();
  learnAsBaseModel(model, learned.map((m) => ({ tokens: m.learnTokens, label: m.label })));
  pruneAsBaseModel(model);
  return serverFilter.contentPart(model);
}
