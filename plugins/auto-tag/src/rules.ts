import { z } from 'zod';

/** Where a rule looks: the subject, the text of the message, or the sender's name and address. */
export const ruleFields = ['subject', 'body', 'sender'] as const;
export type RuleField = (typeof ruleFields)[number];

const compiles = (pattern: string) => {
  try {
    new RegExp(pattern, 'iu');
    return true;
  } catch {
    return false;
  }
};

export const ruleSchema = z
  .object({
    /** The tag to add (created when the workspace has none of that name). */
    tag: z.string().trim().min(1).max(60),
    /** Where to look. */
    in: z.array(z.enum(ruleFields)).min(1).default(['subject', 'body']),
    /** Words or phrases, any of which matches as a whole word, ignoring case. */
    keywords: z.array(z.string().trim().min(1).max(100)).max(200).default([]),
    /** A regular expression (JavaScript syntax, matched ignoring case). */
    pattern: z.string().min(1).max(500).refine(compiles, 'not a valid regular expression').optional(),
  })
  .refine((rule) => rule.keywords.length > 0 || rule.pattern !== undefined, {
    message: 'a rule needs keywords or a pattern',
    path: ['keywords'],
  });

export type Rule = z.output<typeof ruleSchema>;

export const settingsSchema = z.object({
  rules: z.array(ruleSchema).max(100),
  /** Tag on the mail that opens a conversation only, or on every customer mail. */
  on: z.enum(['new-conversations', 'every-message']).default('new-conversations'),
});

export type Settings = z.output<typeof settingsSchema>;

/** What a rule can look at in one inbound message. */
export interface MailFields {
  subject: string;
  body: string;
  sender: string;
}

/** Long bodies are cut: what decides a tag is nearly always near the top, and a pattern must not scan megabytes. */
export const MAX_BODY = 20_000;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A keyword as a whole word or phrase: not inside a longer word, spaces matching any run of whitespace. */
function keywordPattern(keyword: string): RegExp {
  const words = keyword.split(/\s+/).map(escape).join('\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${words}(?![\\p{L}\\p{N}_])`, 'iu');
}

/** Compiles the rules once per settings value. */
export function compileRules(rules: readonly Rule[]) {
  return rules.map((rule) => ({
    tag: rule.tag,
    in: rule.in,
    tests: [...rule.keywords.map(keywordPattern), ...(rule.pattern ? [new RegExp(rule.pattern, 'iu')] : [])],
  }));
}

/** The tags whose rules match, each once, in rule order. */
export function matchingTags(compiled: ReturnType<typeof compileRules>, mail: MailFields): string[] {
  const tags: string[] = [];
  for (const rule of compiled) {
    const texts = rule.in.map((field) => (field === 'body' ? mail.body.slice(0, MAX_BODY) : mail[field]));
    const hit = rule.tests.some((test) => texts.some((text) => test.test(text)));
    if (hit && !tags.some((t) => t.toLowerCase() === rule.tag.toLowerCase())) tags.push(rule.tag);
  }
  return tags;
}

/** A message's text for matching: its text part, else its HTML without tags. */
export function bodyText(message: { text: string | null; html: string | null }): string {
  if (message.text) return message.text;
  return (message.html ?? '').replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/gi, ' ').replace(/<[^>]+>/g, ' ');
}
