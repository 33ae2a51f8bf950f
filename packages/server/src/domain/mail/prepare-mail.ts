import { createWorkerPool, type WorkerPool } from '../../background/worker-pool.js';
import { spamFeatures, type SpamFeatures } from '../spam/spam-features.js';
import { parseEmail, type InboundEmail } from './inbound-email.js';

/** An inbound mail parsed, with what the spam filter reads from it: the CPU-bound part of receiving it. */
export interface PreparedMail {
  email: InboundEmail;
  features: SpamFeatures;
}

/** Parses a mail and computes its spam features, on this thread. */
export async function prepareMail(raw: Buffer, mailFrom?: string | null): Promise<PreparedMail> {
  const email = await parseEmail(raw, mailFrom);
  return { email, features: spamFeatures(email) };
}

/** Where inbound mail is prepared: on worker threads, or on the calling thread when there are none. */
export interface MailPreparer {
  /** True when prepare() runs on other threads, so it can start as soon as a mail arrives. */
  readonly offThread: boolean;
  prepare(raw: Buffer, mailFrom?: string | null): Promise<PreparedMail>;
  close(): Promise<void>;
}

export const preparerOnThisThread: MailPreparer = { offThread: false, prepare: prepareMail, close: async () => {} };

type WorkerInput = { raw: Uint8Array; mailFrom: string | null };

/**
 * Prepares mail on `workers` threads (0: on the calling thread). A mail's source goes to a worker as a
 * copy and its parsed form comes back without it (the caller keeps the original).
 */
export function createMailPreparer(workers: number): MailPreparer {
  if (workers < 1) return preparerOnThisThread;
  const pool: WorkerPool<WorkerInput, PreparedMail> = createWorkerPool(new URL(`./prepare-mail-worker${extension()}`, import.meta.url), workers);
  return {
    offThread: true,
    async prepare(raw, mailFrom) {
      const prepared = await pool.run({ raw, mailFrom: mailFrom ?? null });
      const { email } = prepared;
      // Buffers cross threads as plain Uint8Arrays.
      email.raw = raw;
      for (const attachment of email.attachments) {
        const content = attachment.content as Uint8Array;
        attachment.content = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
      }
      return prepared;
    },
    close: () => pool.close(),
  };
}

/** The worker side, run by prepare-mail-worker: the mail's source is not sent back. */
export async function prepareForPool({ raw, mailFrom }: WorkerInput): Promise<PreparedMail> {
  const prepared = await prepareMail(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), mailFrom);
  prepared.email.raw = null;
  return prepared;
}

/** This module's own file extension: .js when built, .ts when run from source by the test runner. */
function extension(): string {
  return import.meta.url.endsWith('.ts') ? '.ts' : '.js';
}
