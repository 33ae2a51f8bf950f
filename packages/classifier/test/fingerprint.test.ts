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

  it('gives the same signature as every earlier release (signatures stored in databases must keep matching)', () => {
    const text =
      'Dear friend, we are pleased to offer you an exclusive chance to double your income working from home with our proven system, act now before the offer ends';
    expect(fingerprint('An exclusive offer', text)).toEqual({
      signature: [
        324149430, 18892360, 112526470, 391258264, 134295205, 45256663, 6472917, 20062400, 20359621, 105847802, 275724887, 26825857, 96413206,
        339902611, 34906801, 32775767, 254683947, 47742377, 258832114, 287655992, 2402012, 112476773, 46070397, 264751505,
      ],
      bands: [
        '0:5cznau.b8xfs.1uztza', '1:6gy0t4.27yeud.qy09j', '2:3uqj9.by08w.c4dl1', '3:1r0ooq.4k5qon.fyyyp',
        '4:1legwm.5mdaj7.ks69d', '5:jihxz.47mre3.sfa95', '6:4a3o4y.4r9gs8.1fhek', '7:1uyrmt.rfg59.4dmjkh',
      ],
    });
  });
});
