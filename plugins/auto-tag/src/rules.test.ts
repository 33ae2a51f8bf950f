import { describe, expect, it } from 'vitest';
import { bodyText, compileRules, matchingTags, settingsSchema } from './rules.js';

const mail = { subject: 'Refund for order 1234', body: 'Hello,\nthe parcel arrived damaged. I want my money back.', sender: 'Pat <pat@bigcorp.example>' };
const tags = (rules: unknown[], m = mail) => matchingTags(compileRules(settingsSchema.parse({ rules }).rules), m);

describe('rules', () => {
  it('match keywords as whole words or phrases, ignoring case, where they are asked to look', () => {
    expect(tags([{ tag: 'Refund', keywords: ['refund'] }])).toEqual(['Refund']);
    expect(tags([{ tag: 'Money', keywords: ['MONEY  back'] }])).toEqual(['Money']);
    expect(tags([{ tag: 'Fund', keywords: ['fund'] }])).toEqual([]);
    expect(tags([{ tag: 'Damaged', keywords: ['damaged'], in: ['subject'] }])).toEqual([]);
    expect(tags([{ tag: 'Damaged', keywords: ['damaged'], in: ['body'] }])).toEqual(['Damaged']);
    expect(tags([{ tag: 'B2B', keywords: ['bigcorp.example'], in: ['sender'] }])).toEqual(['B2B']);
  });

  it('match regular expressions, ignoring case', () => {
    expect(tags([{ tag: 'Order', pattern: 'order \\d{4}' }])).toEqual(['Order']);
    expect(tags([{ tag: 'B2B', pattern: '@(bigcorp|megacorp)\\.example>$', in: ['sender'] }])).toEqual(['B2B']);
    expect(tags([{ tag: 'Nope', pattern: 'order \\d{5}' }])).toEqual([]);
  });

  it('add each tag once, in rule order', () => {
    expect(tags([{ tag: 'A', keywords: ['refund'] }, { tag: 'B', pattern: 'parcel' }, { tag: 'a', keywords: ['money'] }])).toEqual(['A', 'B']);
  });

  it('refuse rules without keywords or pattern, and patterns that do not compile', () => {
    expect(settingsSchema.safeParse({ rules: [{ tag: 'X' }] }).error?.issues[0]).toMatchObject({ path: ['rules', 0, 'keywords'] });
    expect(settingsSchema.safeParse({ rules: [{ tag: 'X', pattern: '(' }] }).error?.issues[0]).toMatchObject({
      path: ['rules', 0, 'pattern'],
      message: 'not a valid regular expression',
    });
    expect(settingsSchema.parse({ rules: [] })).toEqual({ rules: [], on: 'new-conversations' });
  });

  it('read an HTML-only body as text', () => {
    expect(bodyText({ text: null, html: '<p>Refund <b>now</b></p><style>p{}</style>' }).replace(/\s+/g, ' ').trim()).toBe('Refund now');
  });
});
