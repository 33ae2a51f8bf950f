import { describe, expect, it } from 'vitest';
import { isContentToken, tokenize, type MailForClassification } from '../src/index.js';

const RAW_HEADERS = [
  'Received: from mx.deskql.test (mx.deskql.test [10.0.0.5])',
  '\tby inbound.deskql.test (Postfix) with ESMTP id 1A2B3C',
  '\tfor <support@deskql.test>; Mon, 9 Sep 2002 08:44:12 -0500',
  'Received: from mail.shop.example (mail.shop.example [203.0.113.7])',
  '\tby mx.deskql.test (Postfix) with ESMTP id 9Z8Y7X; Mon, 9 Sep 2002 08:44:10 -0500',
  'Received: from [192.168.1.20] (helo=desktop) by mail.shop.example with esmtpa; Mon, 9 Sep 2002 08:44:09 -0500',
  'Message-ID: <20020909134409.4821.qmail@mail.shop.example>',
  'From: "Shop Team" <news@shop.example>',
  'To: support@deskql.test',
  'Subject: Your order',
  'Date: Mon, 9 Sep 2002 08:44:09 -0500',
  'X-Mailer: ShopMailer 2.1',
  'Delivered-To: support@deskql.test',
  'Content-Type: text/plain; charset="utf-8"',
].join('\r\n');

describe('tokenize', () => {
  it('keeps Unicode letters (accents, Cyrillic) and splits CJK into character pairs', () => {
    const tokens = tokenize({ text: 'Café naïve Grüße — Привет мир! 無料でお試し' });
    expect(tokens).toEqual(expect.arrayContaining(['café', 'naïve', 'grüße', 'привет', 'мир', '無料', '料で', 'お試']));
    expect(tokens).not.toContain('caf');
    expect(tokens).not.toContain('na');
  });

  it('lower-cases words, keeps shouted words as written, and pairs adjacent words', () => {
    const tokens = tokenize({ text: 'Click HERE for a FREE gift' });
    expect(tokens).toEqual(expect.arrayContaining(['click', 'here', 'HERE', 'free', 'FREE', 'click here', 'free gift']));
    // one-letter words are dropped and break the phrase
    expect(tokens).not.toContain('for free');
  });

  it('turns links into host tokens and does not spill them into words', () => {
    const tokens = tokenize({ text: 'Visit http://www.Deals.Example.co.uk/promo?id=7 or www.other.test now, mail info@sales.example.org' });
    expect(tokens).toEqual(
      expect.arrayContaining([
        'url:deals.example.co.uk',
        'url:example.co.uk',
        'url:tld:uk',
        'url:path:promo',
        'url:query',
        'url:other.test',
        'email:sales.example.org',
        'email:example.org',
        'visit',
        'now',
      ]),
    );
    expect(tokens).not.toContain('http');
    expect(tokens).not.toContain('promo');
    expect(tokens.some((t) => t.includes('info@'))).toBe(false);
  });

  it('flags link tricks: numeric hosts, user-info and ports', () => {
    const tokens = tokenize({ text: 'http://www.bank.test@198.51.100.23:8080/login' });
    expect(tokens).toEqual(expect.arrayContaining(['url:userinfo', 'url:port', 'url:ip', 'url:ip:198.51.100']));
  });

  it('handles numbers by shape, keeps short integers, and never yields empty tokens', () => {
    const tokens = tokenize({ text: 'Call 555-123-4567 today: only $1,299.00 (was 2002) — order 123456789 now 50% off' });
    expect(tokens).toEqual(expect.arrayContaining(['#999-999-9999', '#$9,999.99', '2002', '#9{9}', '#99%']));
    expect(tokens.every((t) => t.length > 0 && t.trim() === t)).toBe(true);
  });

  it('strips HTML tags, comments and scripts but keeps link and image hosts', () => {
    const html =
      '<html><head><style>.x{color:red}</style></head><body><p>Hello <b>wo</b>rld</p>' +
      '<!-- hidden text --><a href="http://spam.example.com/offer">Act&nbsp;now</a>' +
      '<img src="https://img.example.net/pixel.gif"><script>var secret = 1;</script></body></html>';
    const tokens = tokenize({ html });
    expect(tokens).toEqual(expect.arrayContaining(['hello', 'world', 'act', 'now', 'url:spam.example.com', 'url:path:offer', 'img:img.example.net', 'html:comment', 'html:a', 'html:img']));
    for (const absent of ['wo', 'rld', 'secret', 'var', 'color', 'href', 'hidden', 'body', 'nbsp']) expect(tokens).not.toContain(absent);
  });

  it('returns each token once', () => {
    const tokens = tokenize({ subject: 'win win win', text: 'money money money http://a.example http://a.example' });
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('prefixes tokens by origin', () => {
    const tokens = tokenize({ subject: 'Re: Invoice 42', from: '"Jane Doe" <Jane.Doe@Customer.example>', text: 'invoice' });
    expect(tokens).toEqual(
      expect.arrayContaining(['subject:invoice', 'subject:42', 'subject:reply', 'from:addr:jane.doe@customer.example', 'from:customer.example', 'from:name:jane', 'invoice']),
    );
  });

  it('removes characters used to hide words', () => {
    expect(tokenize({ text: 'fr\u200bee vi\u00adagra' })).toEqual(expect.arrayContaining(['free', 'viagra']));
  });

  it('reads mailparser headerLines, raw header text and records alike', () => {
    const lines = RAW_HEADERS.split(/\r\n(?![ \t])/).map((line) => ({ key: line.slice(0, line.indexOf(':')).toLowerCase(), line }));
    const fromLines = tokenize({ headers: lines });
    const fromBlock = tokenize({ headers: RAW_HEADERS + '\r\n\r\nbody is ignored' });
    expect(fromBlock).toEqual(fromLines);
    const fromRecord = tokenize({ headers: { 'X-Mailer': 'ShopMailer 2.1', 'Message-ID': '<20020909134409.4821.qmail@mail.shop.example>' } });
    expect(fromRecord).toEqual(expect.arrayContaining(['hdr:X-Mailer', 'h:x-mailer:shopmailer', 'mid:local:d9-16.d4.l', 'mid:shop.example']));
  });

  it('tokenizes headers by origin and skips recipient-side ones', () => {
    const tokens = tokenize({ headers: RAW_HEADERS });
    expect(tokens).toEqual(
      expect.arrayContaining([
        'hdr:Message-ID',
        'mid:local:d9-16.d4.l',
        'mid:word:qmail',
        'h:x-mailer:shopmailer',
        'ct:text/plain',
        'ct:charset:utf-8',
        'date:tz:-0500',
        'subject:order',
        'from:addr:news@shop.example',
        'to:domain:deskql.test',
        'align:message-id:same',
        'rcvd:mail.shop.example',
        'rcvd:ip:203.0.113',
        'rcvd:by:deskql.test',
      ]),
    );
    expect(tokens.some((t) => t.toLowerCase().includes('delivered-to'))).toBe(false);
    // Private-address hops say nothing about the sender.
    expect(tokens).not.toContain('rcvd:ip:192.168.1');
  });

  it('records the order of header names (adjacent pairs, as written), skipping Received and recipient-side headers', () => {
    const tokens = tokenize({ headers: RAW_HEADERS });
    expect(tokens).toEqual(
      expect.arrayContaining(['hord:>Message-ID', 'hord:Message-ID>From', 'hord:From>To', 'hord:Date>X-Mailer', 'hord:X-Mailer>Content-Type']),
    );
    expect(tokens.some((t) => t.startsWith('hord:') && (t.includes('Received') || t.includes('Delivered-To')))).toBe(false);
    // Another mailer's order gives other tokens.
    const other = tokenize({ headers: 'From: a@shop.example\r\nMessage-Id: <1@shop.example>\r\nTo: b@deskql.test' });
    expect(other).toEqual(expect.arrayContaining(['hord:>From', 'hord:From>Message-Id', 'hord:Message-Id>To']));
    expect(other).not.toContain('hord:From>To');
  });

  it('keeps only the sending relay of the hop received by a trusted (own) host', () => {
    const all = tokenize({ headers: RAW_HEADERS });
    const trusted = tokenize({ headers: RAW_HEADERS }, { trustedHosts: ['deskql.test'] });
    expect(all).toEqual(expect.arrayContaining(['rcvd:by:deskql.test', 'rcvd:with:esmtp', 'rcvd:mta:postfix']));
    // What our own server saw of the sender stays; our server's side of the hop goes.
    expect(trusted).toEqual(expect.arrayContaining(['rcvd:mail.shop.example', 'rcvd:ip:203.0.113', 'rcvd:hops:1']));
    for (const ours of ['rcvd:by:deskql.test', 'rcvd:with:esmtp', 'rcvd:mta:postfix']) expect(trusted).not.toContain(ours);
  });

  it('decodes encoded-word subjects and records their charset', () => {
    const tokens = tokenize({ headers: 'Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgV2llbg==?=\r\nFrom: =?iso-8859-1?Q?Ren=E9?= <rene@example.test>' });
    expect(tokens).toEqual(expect.arrayContaining(['subject:enc:utf-8', 'subject:grüße', 'subject:wien', 'from:enc:iso-8859-1', 'from:name:rené']));
  });

  it('is deterministic and pure', () => {
    const mail: MailForClassification = { subject: 'Hello', text: 'Same input, same tokens. http://x.example', headers: RAW_HEADERS };
    const snapshot = JSON.stringify(mail);
    expect(tokenize(mail)).toEqual(tokenize(mail));
    expect(JSON.stringify(mail)).toBe(snapshot);
  });

  it('tells what a message says (content tokens) from how it was delivered', () => {
    const tokens = tokenize({ headers: RAW_HEADERS, text: 'Your parcel left http://track.shop.example/x today.' });
    const content = tokens.filter(isContentToken);
    const delivery = tokens.filter((t) => !isContentToken(t));
    expect(content).toEqual(expect.arrayContaining(['parcel', 'subject:order', 'from:name:shop']));
    expect(content.some((t) => t.startsWith('url:') && t.includes('shop.example'))).toBe(true);
    expect(delivery.length).toBeGreaterThan(0);
    expect(delivery.some((t) => t.startsWith('from:addr:'))).toBe(true);
    expect(delivery.some((t) => t.startsWith('rcvd:'))).toBe(true);
    expect(delivery.some((t) => t.startsWith('h:x-mailer:'))).toBe(true);
  });
});
