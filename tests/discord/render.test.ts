import { describe, expect, it } from 'vitest';
import type { Card, Reply } from '../../src/core/reply.ts';
import { escapeText, renderReply, splitText, toInteractionOptions, truncate } from '../../src/discord/render.ts';
import { messageProblems, pingingFragments } from '../support/discord/limits.ts';

/** Small seeded PRNG (mulberry32) so a failing case can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = [
  '@everyone',
  '@here',
  '<@123456789012345678>',
  '<@!123456789012345678>',
  '<@&123456789012345678>',
  '<#123456789012345678>',
  '**bold',
  '__under',
  '```',
  '`',
  '||spoiler',
  '~~',
  '# Heading',
  '-# small',
  '> quote',
  '>>> all quoted',
  '[click me](https://evil.example/phish)',
  '\\',
  '😀',
  '\u{1F1FA}\u{1F1E6}',
  'https://example.org/some_path_with_underscores?a=1&b=2',
  '\n',
  '\n\n',
  ' ',
  '<t:1700000000:R>',
  '</report show:123456789012345678>',
];

function randomText(next: () => number, maxLength: number): string {
  const target = Math.floor(next() ** 2 * maxLength);
  let out = '';
  while (out.length < target) {
    const r = next();
    if (r < 0.25) out += HOSTILE[Math.floor(next() * HOSTILE.length)];
    else if (r < 0.3)
      out += 'x'.repeat(Math.floor(next() * 300)); // one very long "word"
    else out += 'lorem ipsum dolor sit amet consectetur '.slice(0, 1 + Math.floor(next() * 38));
  }
  return out;
}

function randomCard(next: () => number): Card {
  const maybe = <T>(v: T) => (next() < 0.8 ? v : undefined);
  const fieldCount = Math.floor(next() ** 2 * 40);
  return {
    title: maybe(randomText(next, 400)),
    url: maybe(next() < 0.8 ? 'https://example.org/report' : 'not a url'),
    author: maybe(randomText(next, 400)),
    description: maybe(randomText(next, 14_000)),
    fields: Array.from({ length: fieldCount }, () => ({ name: randomText(next, 400), value: randomText(next, 1500), inline: next() < 0.5 })),
    footer: maybe(randomText(next, 3000)),
    timestamp: maybe(next() < 0.9 ? '2023-08-14T10:00:00Z' : 'yesterday'),
    color: maybe(next() < 0.9 ? 0x2b6cb0 : -5),
  };
}

function textsOf(message: { content?: string; embeds: Array<Record<string, any>> }): string[] {
  return [
    message.content ?? '',
    ...message.embeds.flatMap((e) => [e.title ?? '', e.description ?? '', ...(e.fields ?? []).flatMap((f: any) => [f.name, f.value])]),
  ];
}

describe('renderReply', () => {
  it('keeps every message within Discord limits and free of pings for random hostile replies', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const next = rng(seed);
      const reply: Reply = {
        content: next() < 0.6 ? randomText(next, 9000) : undefined,
        cards: Array.from({ length: Math.floor(next() ** 2 * 14) }, () => randomCard(next)),
        ephemeral: next() < 0.3,
      };
      const messages = renderReply(reply);
      expect(messages.length, `seed ${seed}`).toBeGreaterThan(0);
      for (const message of messages) {
        expect(
          messageProblems(message),
          `seed ${seed} ${JSON.stringify(message.embeds.map((e) => [e.title?.length, e.description?.length, e.author?.name.length, e.footer?.text.length, (e.fields ?? []).length, (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)]))}`,
        ).toEqual([]);
        expect(message.ephemeral).toBe(Boolean(reply.ephemeral));
        for (const text of textsOf(message)) expect(pingingFragments(text), `seed ${seed}`).toEqual([]);
      }
    }
  });

  it('neutralises mentions and Markdown in report text but keeps URLs clickable', () => {
    const out = escapeText('@everyone see <@123> and <@&456> in <#789>: **now** ```x``` [here](https://evil.example) https://a.org/x_y');
    expect(pingingFragments(out)).toEqual([]);
    expect(out).not.toContain('**');
    expect(out).toContain('\\*\\*now\\*\\*');
    expect(out).toContain('\\[here');
    expect(out).toContain('https://a.org/x_y');
  });

  it('escapes line-start Markdown: headings, subtext, quotes and lists', () => {
    const out = escapeText('# Big\n-# small\n> quote\n>>> rest\n- item');
    for (const line of out.split('\n')) expect(line.startsWith('\\')).toBe(true);
  });

  it('keeps channel links the caller knows, neutralises the others', () => {
    const out = escapeText('post in <#111> not <#222>', { isKnownChannel: (id) => id === '111' });
    expect(out).toContain('<#111>');
    expect(out).not.toContain('<#222>');
  });

  it('truncates at a word boundary with an ellipsis and never splits a surrogate pair', () => {
    const cut = truncate('alpha beta gamma delta epsilon', 18);
    expect(cut.length).toBeLessThanOrEqual(18);
    expect(cut).toBe('alpha beta gamma…');
    const emoji = truncate('😀'.repeat(10), 6);
    expect(emoji.length).toBeLessThanOrEqual(6);
    expect(emoji).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('splits long content into several messages instead of dropping it', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} ` + 'word '.repeat(60)).join('\n\n');
    const messages = renderReply({ content: paragraphs });
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.map((m) => m.content).join(' ')).toContain('Paragraph 11');
    expect(splitText(paragraphs, 2000).every((p) => p.length <= 2000)).toBe(true);
  });

  it('spreads many cards over several messages of at most 10 embeds', () => {
    const cards = Array.from({ length: 23 }, (_, i) => ({ title: `Report ${i}`, description: 'Lead '.repeat(50) }));
    const messages = renderReply({ cards });
    expect(messages.length).toBe(3);
    expect(messages.flatMap((m) => m.embeds).map((e) => e.title)).toEqual(cards.map((c) => c.title));
  });

  it('moves fields beyond 25 into a continuation embed and keeps the footer last', () => {
    const card: Card = { title: 'Actors', fields: Array.from({ length: 30 }, (_, i) => ({ name: `Actor ${i}`, value: 'State' })), footer: 'Engine: offline' };
    const [message] = renderReply({ cards: [card] });
    expect(message!.embeds.length).toBe(2);
    expect(message!.embeds[0]!.fields!.length).toBe(25);
    expect(message!.embeds[1]!.footer?.text).toBe('Engine: offline');
    expect(message!.embeds[0]!.footer).toBeUndefined();
  });

  it('drops invalid urls, timestamps and colours rather than letting Discord reject the message', () => {
    const [message] = renderReply({ cards: [{ title: 'T', url: 'javascript:alert(1)', timestamp: 'soon', color: 0x1000000 }] });
    expect(message!.embeds[0]).toEqual({ title: 'T' });
  });

  it('keeps only http(s) URLs with a host, within 2048 characters once normalised', () => {
    const urlOf = (url: string) => renderReply({ cards: [{ title: 'T', url }] })[0]!.embeds[0]!.url;
    expect(urlOf('ftp://example.org/report.pdf')).toBeUndefined();
    expect(urlOf('file:///etc/passwd')).toBeUndefined();
    expect(urlOf('/relative/path')).toBeUndefined();
    expect(urlOf('http://exa mple.org/')).toBeUndefined();
    // Spaces percent-encode to three characters each: fine before normalising, too long after.
    expect(urlOf(`https://example.org/a${' '.repeat(1000)}b`)).toBeUndefined();
    expect(urlOf(' https://example.org/a b ')).toBe('https://example.org/a%20b');
    expect(urlOf('https://例え.jp/報告')).toMatch(/^https:\/\/xn--/);
  });

  it('never sends an empty content string beside embeds', () => {
    const [message] = renderReply({ cards: [{ title: 'Only an embed' }] });
    expect('content' in toInteractionOptions(message!)).toBe(false);
    expect(toInteractionOptions(renderReply({ content: 'text' })[0]!).content).toBe('text');
  });

  it('answers something for an empty reply', () => {
    const [message] = renderReply({});
    expect(message!.content).toBeTruthy();
  });
});

describe('bidi controls, timestamps and typed links', () => {
  it('strips every bidi control from rendered text, also where it would hide a mention', () => {
    const controls = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c';
    const [message] = renderReply({
      content: `report ${controls}cod.exe @\u202eeveryone`,
      cards: [
        {
          title: `t\u202eitle`,
          author: `a\u202euthor`,
          description: `d\u2067esc`,
          fields: [{ name: `n\u200fame`, value: `v\u061calue` }],
          footer: `f\u202eoot`,
          links: [{ title: `l\u202eink`, url: 'https://example.org/a' }],
        },
      ],
    });
    const all = JSON.stringify(message);
    for (const c of controls) expect(all).not.toContain(c);
    expect(message!.content).toContain('@\u200beveryone');
    expect(message!.embeds[0]!.title).toBe('title');
  });

  it('keeps Discord timestamps, which ping nobody', () => {
    const [message] = renderReply({ content: 'Next briefing: <t:1700000000:F> (<t:1700000000:R>)' });
    expect(message!.content).toBe('Next briefing: <t:1700000000:F> (<t:1700000000:R>)');
  });

  it('renders typed links as masked links within the description limit, whole lines only', () => {
    const links = Array.from({ length: 200 }, (_, i) => ({
      title: `Title ](x) ${i} `.repeat(3),
      url: `https://example.org/${i}/${'p'.repeat(80)}_(x)`,
      note: `Source ${i}`,
    }));
    const embeds = renderReply({ cards: [{ title: 'And 200 more', description: 'Intro.', links }] }).flatMap((m) => m.embeds);
    expect(embeds.length).toBeLessThanOrEqual(3);
    const lines = embeds.flatMap((e) => e.description!.split('\n')).filter((l) => l.startsWith('• '));
    for (const e of embeds) expect(e.description!.length).toBeLessThanOrEqual(4096);
    for (const line of lines) expect(line).toMatch(/^• \[Title \\\]\(x\) \d+ .*\]\(https:\/\/example\.org\/\d+\/p+_%28x%29\) — Source \d+$/);
    expect(embeds.at(-1)!.description).toMatch(/…and \d+ more$/);
    expect(embeds[0]!.description!.startsWith('Intro.\n\n• [')).toBe(true);
  });

  it('shows a link with an unusable URL as text', () => {
    const [message] = renderReply({ cards: [{ title: 'x', links: [{ title: 'Local', url: 'javascript:alert(1)' }] }] });
    expect(message!.embeds[0]!.description).toBe('• Local');
  });
});
