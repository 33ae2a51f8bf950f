import { describe, expect, it } from 'vitest';
import { fingerprint, similarity } from '../src/fingerprint.js';

const pitch = (n: number, sender: string) =>
  `Dear team, our Zorblatt logistics suite ${n} helps warehouses like yours. Zorblatt pallet tracking, ` +
  `Zorblatt dock scheduling and Zorblatt yard planning in one place. Reply to ${sender} or visit https://z${n}.test for a Zorblatt walkthrough.`;

describe('fingerprint', () => {
  it('finds near-copies that differ in numbers, links, senders and small edits', () => {
    const a = fingerprint('Zorblatt for your warehouse', pitch(1, 'sales@z.test'))!;
    const b = fingerprint('Zorblatt for your warehouse!', pitch(3, 'hello@z.test') + ' Best regards.')!;
    expect(similarity(a.signature, b.signature)).toBeGreaterThan(0.6);
    expect(a.bands.some((band) => b.bands.includes(band))).toBe(true);
  });

  it('keeps unrelated mail apart and ignores mail too short to judge', () => {
    const a = fingerprint('Zorblatt for your warehouse', pitch(1, 'sales@z.test'))!;
    const c = fingerprint('Order 1042', 'Hi, the jacket I ordered last week is too small. How do I send it back and get the larger size instead?')!;
    expect(similarity(a.signature, c.signature)).toBeLessThan(0.2);
    expect(fingerprint('Hi', 'Thanks!')).toBeNull();
  });

  it('is deterministic', () => {
    expect(fingerprint('s', pitch(1, 'x@y.test'))).toEqual(fingerprint('s', pitch(1, 'x@y.test')));
  });
});
