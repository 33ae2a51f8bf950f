import { classify, isContentToken, similarity, type Classification, type ClassifyOptions, type Fingerprint, type SpamModel, type TokenStats } from '@deskql/classifier';
import { loadBaseModel } from '@deskql/classifier/base-model';
import { Prisma } from '../../generated/sqlite/client.js';
import type { Tx } from '../shared/deps.js';
import { dialectOf, type Db } from '../../db/database.js';
import type { SpamFeatures } from './spam-features.js';

// A workspace's filter is the shipped base model (trained on a public corpus,
// so it works on day one) plus the workspace's own counts in SpamTokenCount,
// which every decision updates in place. Scoring reads only the message's
// tokens, so it costs one indexed query whatever the model's size, and every
// server instance sees a decision the moment it is committed.

// The shipped model was trained on a public corpus delivered through other
// people's mail servers: what it learned about words, subjects, links and
// attachments carries over to any help desk, but what it learned about
// delivery (Received hops, Message-ID and Date shapes, header sets, mailers)
// describes that corpus's infrastructure, not ours, and would flag plain
// customer mail for lacking headers an MDA adds. So a workspace's filter reads
// content tokens only, the shipped model's and its own. Its own delivery tokens
// (its MX in Received, its senders' header shapes) were tried: counted once the
// workspace had learned 20 spam and 20 ham, they sent more spam to the inbox in
// cross-validation (bench/classifier/workspace-cv.ts), since a workspace learns
// far more ham (answered mail) than spam (only what an agent marks). Every token
// is still counted in SpamTokenCount, so a later rule can use them without
// relearning. Which tokens are content is the tokenizer's to say (isContentToken).

/** The part of a base model a workspace starts from: its content tokens (exported for the benches). */
export function contentPart(model: SpamModel): SpamModel {
  const tokens = new Map<string, TokenStats>();
  for (const [token, stats] of model.tokens) if (isContentToken(token)) tokens.set(token, stats);
  return { spamMessages: model.spamMessages, hamMessages: model.hamMessages, generation: model.generation, tokens };
}

let base: SpamModel | undefined;
function baseModel(): SpamModel {
  base ??= contentPart(loadBaseModel());
  return base;
}

export type SpamLabel = 'spam' | 'ham';

/**
 * How the server scores. The library's defaults were calibrated on every token of a message; a cold
 * workspace reads only the base model's content tokens, where text words carry most of the evidence,
 * so words need less of it (Robinson's s 0.5, not 2) and a spam verdict a score of 0.6. Prefixed
 * tokens keep an s low enough (0.1) that a subject word, link host or sender name an agent marked as
 * spam once counts at once. Chosen by cross-validation on the training part of the public corpus
 * (bench/classifier/server-cv.ts: the fewest missed spam + 20 × ham sent to Spam): 12 ham in Spam
 * and 12.0 % of spam missed, against 21 and 21.3 % with the library's defaults and a minimum of 5
 * significant tokens per spam verdict, which these settings no longer need.
 */
export const SERVER_CLASSIFY_OPTIONS = Object.freeze({
  minDeviation: 0.45,
  wordStrength: 0.5,
  strength: 0.1,
  minSpamEvidence: 0,
  spamCutoff: 0.6,
} satisfies ClassifyOptions);

export interface SpamScore extends Classification {
  /** The verdict after the workspace's threshold, if it has one. */
  verdict: Classification['verdict'];
}

/** The workspace's effective model, restricted to the content tokens among the given ones. */
async function modelFor(db: Db, workspaceId: string, tokens: string[]): Promise<SpamModel> {
  const scored = tokens.filter(isContentToken);
  const [totals, own] = await Promise.all([db.spamModelTotals.findUnique({ where: { workspaceId } }), ownTokenCounts(db, workspaceId, scored)]);
  return effectiveModel(baseModel(), totals, own, scored);
}

/**
 * The shipped model's stats of `tokens` plus the workspace's own counts and totals (pure;
 * exported for the benches). The shipped stats are shared, read-only; a token with own counts
 * gets a copy of its own.
 */
export function effectiveModel(
  shipped: SpamModel,
  totals: { spamMessages: number; hamMessages: number } | null,
  own: ReadonlyArray<{ token: string; spam: number; ham: number }>,
  tokens: readonly string[],
): SpamModel {
  const counts = new Map<string, TokenStats>();
  for (const token of tokens) {
    const stats = shipped.tokens.get(token);
    if (stats) counts.set(token, stats);
  }
  for (const row of own) {
    const shippedStats = counts.get(row.token);
    counts.set(row.token, {
      spam: Math.max(0, (shippedStats?.spam ?? 0) + row.spam),
      ham: Math.max(0, (shippedStats?.ham ?? 0) + row.ham),
      lastSeen: shippedStats?.lastSeen ?? shipped.generation,
    });
  }
  return {
    spamMessages: shipped.spamMessages + (totals?.spamMessages ?? 0),
    hamMessages: shipped.hamMessages + (totals?.hamMessages ?? 0),
    generation: shipped.generation,
    tokens: counts,
  };
}

/**
 * The workspace's own counts of these tokens. A batch of mails asks for thousands
 * of tokens: passed as one JSON array instead of one bound parameter each, the
 * query costs a fifth of the CPU (measured: 0.37 against 1.65 ms per mail with
 * Prisma's `in` filter, in batches of ten).
 */
function ownTokenCounts(db: Db, workspaceId: string, tokens: string[]) {
  const list = JSON.stringify(tokens);
  const tokenIn =
    dialectOf(db) === 'sqlite' ? Prisma.sql`(SELECT value FROM json_each(${list}))` : Prisma.sql`(SELECT json_array_elements_text(${list}::json))`;
  return db.$queryRaw<Array<{ token: string; spam: number; ham: number }>>`
    SELECT "token", "spam", "ham" FROM "SpamTokenCount" WHERE "workspaceId" = ${workspaceId} AND "token" IN ${tokenIn}`;
}

const NEAR_COPY_SIMILARITY = 0.6;

type NearCopy = { messageId: string; similarity: number };

/**
 * Per mail, the closest message this workspace marked as spam that the mail nearly copies, if any.
 * Candidates are the marked messages sharing a band with any mail of the batch (one query).
 */
async function nearCopiesOfMarkedSpam(
  db: Pick<Db, 'spamFingerprint'>,
  workspaceId: string,
  mails: Array<Fingerprint | null>,
): Promise<Array<NearCopy | null>> {
  const bands = [...new Set(mails.flatMap((mail) => mail?.bands ?? []))];
  if (bands.length === 0) return mails.map(() => null);
  const candidates = await db.spamFingerprint.findMany({
    where: { workspaceId, bands: { some: { band: { in: bands } } } },
    select: { messageId: true, signature: true },
    // Only bounds the work.
    take: 50 * mails.length,
  });
  return mails.map((mail) => {
    if (!mail) return null;
    let best: NearCopy | null = null;
    for (const candidate of candidates) {
      const score = similarity(mail.signature, candidate.signature as number[]);
      if (score >= NEAR_COPY_SIMILARITY && (!best || score > best.similarity)) best = { messageId: candidate.messageId, similarity: score };
    }
    return best;
  });
}

/**
 * Scores mails for a workspace: 0 (ham) … 1 (spam), the verdict, and the
 * tokens that decided it. A near-copy of a message an agent marked as spam is
 * spam whatever the Bayes score (its reason names the marked message). The
 * mails share their reads, so scoring a batch costs the same few queries as
 * scoring one.
 */
export async function scoreMails(
  db: Db,
  workspaceId: string,
  mails: SpamFeatures[],
): Promise<SpamScore[]> {
  const [model, workspace, nearCopies] = await Promise.all([
    modelFor(db, workspaceId, [...new Set(mails.flatMap((mail) => mail.tokens))]),
    db.workspace.findUnique({ where: { id: workspaceId }, select: { spamThreshold: true } }),
    nearCopiesOfMarkedSpam(db, workspaceId, mails.map((mail) => mail.fingerprint)),
  ]);
  return mails.map((mail, i) => {
    const result = classify(model, mail.tokens, SERVER_CLASSIFY_OPTIONS);
    const nearCopy = nearCopies[i];
    if (nearCopy) {
      return {
        ...result,
        score: Math.max(result.score, nearCopy.similarity),
        verdict: 'spam',
        reasons: [{ token: `near-copy:${nearCopy.messageId}`, spamProbability: nearCopy.similarity }, ...result.reasons],
      };
    }
    const threshold = workspace?.spamThreshold;
    if (threshold == null) return result;
    const verdict = result.score >= threshold && !result.knownSender ? 'spam' : result.verdict === 'spam' ? 'unsure' : result.verdict;
    return { ...result, verdict };
  });
}

const BATCH = 200;

/**
 * Adds (`direction` 1) or removes (-1) one message's tokens as spam or ham in
 * the workspace's own counts: one upsert per 200 tokens, the same SQL on
 * SQLite and PostgreSQL.
 */
export async function updateSpamCounts(tx: Tx, workspaceId: string, tokens: string[], label: SpamLabel, direction: 1 | -1) {
  const unique = [...new Set(tokens)];
  const spam = label === 'spam' ? direction : 0;
  const ham = label === 'ham' ? direction : 0;
  for (let i = 0; i < unique.length; i += BATCH) {
    const rows = unique.slice(i, i + BATCH).map((token) => Prisma.sql`(${workspaceId}, ${token}, ${spam}, ${ham})`);
    await tx.$executeRaw`
      INSERT INTO "SpamTokenCount" ("workspaceId", "token", "spam", "ham") VALUES ${Prisma.join(rows)}
      ON CONFLICT ("workspaceId", "token") DO UPDATE SET
        "spam" = "SpamTokenCount"."spam" + excluded."spam",
        "ham" = "SpamTokenCount"."ham" + excluded."ham"`;
  }
  await tx.spamModelTotals.upsert({
    where: { workspaceId },
    create: { workspaceId, spamMessages: Math.max(0, spam), hamMessages: Math.max(0, ham) },
    update: { spamMessages: { increment: spam }, hamMessages: { increment: ham } },
  });
}

/** Remembers a message marked as spam so near-copies of it are caught. */
export async function addSpamFingerprint(tx: Tx, workspaceId: string, messageId: string, mail: Fingerprint) {
  await tx.spamFingerprint.deleteMany({ where: { messageId } });
  await tx.spamFingerprint.create({
    data: {
      workspaceId,
      messageId,
      signature: mail.signature,
      bands: { create: [...new Set(mail.bands)].map((band) => ({ workspaceId, band })) },
    },
  });
}

export async function removeSpamFingerprint(tx: Tx, messageId: string) {
  await tx.spamFingerprint.deleteMany({ where: { messageId } });
}
