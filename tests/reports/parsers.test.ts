import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanupBlocks } from '../../src/reports/parsers/cleanup.ts';
import { parseDate, slugify } from '../../src/reports/parsers/blocks.ts';
import { parseReport, parseReportFile } from '../../src/reports/parsers/index.ts';
import { looksLikeHeading } from '../../src/reports/parsers/text.ts';
import { splitFrontMatter } from '../../src/reports/parsers/markdown.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const seedPath = `${root}tests/fixtures/reports/specialeurasia-china-russia-belarus-defence-2023.txt`;
const briefPath = `${root}briefs/specialeurasia-china-russia-belarus-defence-2023.md`;
const article = (name: string) => `${root}tests/fixtures/articles/${name}`;
const now = new Date('2025-02-01T12:00:00Z');

/** Windows-1251 encoder for the Cyrillic test page (TextEncoder only writes UTF-8). */
class TextEncoderWin1251 {
  encode(text: string): Buffer {
    const decoder = new TextDecoder('windows-1251');
    const table = new Map<string, number>();
    for (let byte = 0; byte < 256; byte++) table.set(decoder.decode(Buffer.from([byte])), byte);
    return Buffer.from([...text].map((ch) => table.get(ch) ?? 0x3f));
  }
}

describe('plain text: the SpecialEurasia seed', () => {
  it('turns header lines into metadata and headings into sections', async () => {
    const r = await parseReportFile(seedPath, now);
    expect(r.id).toBe('specialeurasia-china-russia-belarus-defence-2023');
    expect(r.title).toBe('China’s defence cooperation with Russia and Belarus and the 11th Moscow Conference on International Security');
    expect(r.authors).toEqual(['Guido Keller']);
    expect(r.series).toMatchObject({ issn: '2785-2598', volume: '33', issue: '4' });
    expect(r.captions?.join(' ')).toContain('Li Shangfu (Credits:, CC BY 4.0, via Wikimedia Commons)');
    expect(r.sections.map((s) => s.heading)).toEqual([null, 'Background Information', 'Geopolitical Scenario']);
    expect(r.sections[0]!.paragraphs[0]).toMatch(/^Chinese Minister of Defence Li Shangfu will visit Russia and Belarus/);
    expect(r.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.ingestedAt).toBe(now.toISOString());
  });

  it('keeps the author’s closing summary but drops metadata lines, the donation appeal and Related Posts', async () => {
    const r = await parseReportFile(seedPath, now);
    expect(r.text).toContain('In summary, the visit of Chinese Minister of Defence Li Shangfu');
    expect(r.text.trimEnd()).toMatch(/ensuring a balanced response to the transforming geopolitical arena\.$/);
    for (const gone of ['DONATE NOW', 'Do you like SpecialEurasia', 'Related Posts', 'Authors:', 'ISSN', 'Credits:', 'China Defence Minister\n']) {
      expect(r.text).not.toContain(gone);
    }
  });
});

describe('markdown with front matter: the bundled brief', () => {
  it('reads every front matter field', async () => {
    const r = await parseReportFile(briefPath, now);
    expect(r).toMatchObject({
      id: 'specialeurasia-china-russia-belarus-defence-2023',
      source: 'SpecialEurasia',
      url: 'https://www.specialeurasia.com/2023/08/14/defence-cooperation-china-russia/',
      authors: ['Guido Keller'],
      series: { issn: '2785-2598', volume: '33', issue: '4' },
    });
    expect(r.publishedAt?.slice(0, 10)).toBe('2023-08-14');
    expect(r.regions).toEqual(expect.arrayContaining(['China', 'Russia', 'Belarus']));
    expect(r.tags.length).toBeGreaterThan(0);
    expect(r.sections.map((s) => s.heading)).toEqual([null, 'Background Information', 'Geopolitical Scenario']);
  });

  it('has the same body (content hash) as the seed text it was converted from', async () => {
    const [seed, brief] = await Promise.all([parseReportFile(seedPath, now), parseReportFile(briefPath, now)]);
    expect(brief.text).toBe(seed.text);
    expect(brief.contentHash).toBe(seed.contentHash);
  });

  it('takes the title from a leading # heading when there is no front matter, and strips inline markdown', () => {
    const md =
      '# Turkey and the Black Sea\n\nAnkara keeps the **Montreux Convention** closed to warships, says [the foreign ministry](https://example.org).\n\n## Outlook\n\n- Grain corridor talks continue in *Istanbul* between the parties.\n';
    const r = parseReport(md, { format: 'markdown', origin: { kind: 'file', path: '/x/turkey.md' }, filename: '/x/turkey.md', now });
    expect(r.title).toBe('Turkey and the Black Sea');
    expect(r.id).toBe('turkey');
    expect(r.sections[0]!.paragraphs[0]).toBe('Ankara keeps the Montreux Convention closed to warships, says the foreign ministry.');
    expect(r.sections[1]).toEqual({ heading: 'Outlook', paragraphs: ['Grain corridor talks continue in Istanbul between the parties.'] });
  });
});

describe('plain text: other publishers’ variants', () => {
  it('syndicated blog post: byline with date, photo credit, share bar, "appeared first on", author bio', async () => {
    const r = await parseReportFile(article('sahel-watch-syndicated.txt'), now);
    expect(r.title).toMatch(/^Wagner’s Successor in the Sahel/);
    expect(r.authors).toEqual(['Jane Doe', 'Amadou Traoré']);
    expect(r.publishedAt).toBe('2024-03-03T00:00:00.000Z');
    expect(r.source).toBe('Sahel Watch');
    expect(r.captions?.join(' ')).toContain('Reuters/Francis Kokoroko');
    expect(r.sections.map((s) => s.heading)).toEqual([null, 'The Alliance of Sahel States', 'What Comes Next']);
    expect(r.text).not.toMatch(/Share this|Facebook|appeared first on|About the Author|senior analyst at Sahel Watch|Photo:/);
    // Analysis that merely mentions donations is not an appeal.
    expect(r.text).toContain('Donations from Gulf states to the Malian treasury');
  });

  it('think-tank paper: "Written by" list, ALL CAPS heading, newsletter appeal, related list, copyright', async () => {
    const r = await parseReportFile(article('institute-taiwan-strait.txt'), now);
    expect(r.authors).toEqual(['Chen Wei', 'Laura Schmidt', 'Tomás Alvarez']);
    expect(r.publishedAt).toBe('2025-01-12T00:00:00.000Z');
    expect(r.sections.map((s) => s.heading)).toEqual([null, 'KEY FINDINGS', 'Implications for the United States and its Allies']);
    expect(r.text).not.toMatch(/Subscribe|newsletter|Related Articles|Japan’s New Defence Budget|All rights reserved/);
    expect(r.source).toBe('Pacific Strategy Institute');
  });

  it('pasted page: leading cookie banner is not the title, hard-wrapped lines are rejoined, inline "Read more" and ads dropped', async () => {
    const r = await parseReportFile(article('hormuz-pasted.txt'), now);
    expect(r.title).toBe('Iran and the Strait of Hormuz: Tanker Seizures as Coercive Diplomacy');
    expect(r.sections[0]!.paragraphs).toHaveLength(2);
    expect(r.sections[0]!.paragraphs[0]).toContain('to signal its displeasure with Western sanctions policy.');
    expect(r.text).not.toMatch(/cookie|Read more|Advertisement/i);
  });
});

describe('plain text: header line variants', () => {
  const body =
    'Moldova’s government has accused Moscow of funding protests in Chisinau ahead of the parliamentary elections, while Transnistria faces an energy crisis after the end of Russian gas transit through Ukraine.';
  const parse = (header: string) =>
    parseReport(`Moldova Under Pressure\n\n${header}\n\n${body}\n\nThe Energy Front\n\n${body}`, {
      format: 'text',
      origin: { kind: 'file', path: '/x.txt' },
      now,
    });

  it.each([
    ['Published on 14 August 2023 by Guido Keller', ['Guido Keller'], '2023-08-14'],
    ['By Jane Roe and John Doe on March 3, 2024', ['Jane Roe', 'John Doe'], '2024-03-03'],
    ['14 August 2023 | Guido Keller', ['Guido Keller'], '2023-08-14'],
    ['ANALYSIS\nPosted: Aug 14, 2023', [], '2023-08-14'],
    ['Last updated: 2 May 2024\nAuthor: Ion Popescu', ['Ion Popescu'], undefined],
  ])('%j → authors and date, not body', (header, authors, date) => {
    const r = parse(header);
    expect(r.authors).toEqual(authors);
    expect(r.publishedAt?.slice(0, 10)).toBe(date);
    expect(r.standfirst).toBeUndefined();
    expect(r.sections.map((s) => s.heading)).toEqual([null, 'The Energy Front']);
    expect(r.text.startsWith('Moldova’s government')).toBe(true);
  });

  it('keeps a subtitle line as the standfirst', () => {
    expect(parse('Moldova between Brussels and Moscow: a country under pressure before the vote').standfirst).toBe(
      'Moldova between Brussels and Moscow: a country under pressure before the vote',
    );
  });

  it('reads a .md file without front matter or headings as pasted text', () => {
    const r = parseReport(`Moldova Under Pressure\n\nAuthors: Ion Popescu\n\n${body}`, { filename: '/x/y.md', origin: { kind: 'file', path: '/x/y.md' }, now });
    expect(r.title).toBe('Moldova Under Pressure');
    expect(r.authors).toEqual(['Ion Popescu']);
  });
});

describe('HTML articles', () => {
  const html = readFileSync(article('baltic-cables.html'), 'utf8');
  const parse = () =>
    parseReport(html, {
      url: 'https://nordicsecurity.example/2025/01/baltic-cables',
      contentType: 'text/html',
      origin: { kind: 'url', url: 'https://nordicsecurity.example/2025/01/baltic-cables' },
      now,
    });

  it('reads title, byline, date, site name, tags and canonical URL from meta tags and JSON-LD', () => {
    const r = parse();
    expect(r.title).toBe('Sabotage in the Baltic Sea: Who Cuts the Cables?');
    expect(r.authors).toEqual(['Mikko Virtanen', 'Anna Lindqvist']);
    expect(r.publishedAt).toBe('2025-01-20T07:30:00.000Z');
    expect(r.source).toBe('Nordic Security Review');
    expect(r.tags).toEqual(['undersea infrastructure', 'hybrid warfare']);
    expect(r.url).toBe('https://nordicsecurity.example/2025/01/baltic-cables');
    expect(r.id).toBe('nordic-security-review-sabotage-in-the-baltic-sea-who-cuts-the-cables-2025-01-20');
  });

  it('extracts the main content with h2 sections and without page chrome', () => {
    const r = parse();
    expect(r.sections.map((s) => s.heading)).toEqual([null, 'NATO’s Response', 'Attribution Remains Difficult']);
    expect(r.sections[0]!.paragraphs[0]).toMatch(/^On Christmas Day 2024 the Estlink 2 power cable/);
    expect(r.captions).toContain('A cable repair ship off Gotland. Photo: Finnish Border Guard');
    expect(r.text).not.toMatch(/cookies|Share on|Subscribe now|become a member|Related posts|shadow fleet explained|By Mikko/i);
  });

  it('decodes a saved page in the charset its meta tag declares', () => {
    const page = Buffer.concat([
      Buffer.from('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><title>x</title></head><body><article><h1>'),
      new TextEncoderWin1251().encode('Беларусь и Китай'),
      Buffer.from(
        `</h1><p>${'Minsk and Beijing signed agreements on the Great Stone industrial park and on rail freight to Europe. '.repeat(4)}</p></article></body></html>`,
      ),
    ]);
    const r = parseReport(page, { filename: '/saved/page.html', origin: { kind: 'file', path: '/saved/page.html' }, now });
    expect(r.title).toBe('Беларусь и Китай');
  });

  it('uses <time datetime> and meta author when there is no JSON-LD', () => {
    const page = `<html><head><meta name="author" content="Sara Novak"><title>Serbia and Kosovo</title></head><body><article><h1>Serbia and Kosovo: The Banjska Attack a Year On</h1><time datetime="2024-09-24">24 September</time>${'<p>Belgrade and Pristina remain far apart on the association of Serb-majority municipalities, and the European Union’s mediation has stalled since the armed attack in Banjska.</p>'.repeat(3)}</article></body></html>`;
    const r = parseReport(page, { format: 'html', origin: { kind: 'url', url: 'https://balkans.example/a' }, url: 'https://balkans.example/a', now });
    expect(r.authors).toEqual(['Sara Novak']);
    expect(r.publishedAt).toBe('2024-09-24T00:00:00.000Z');
    expect(r.source).toBe('balkans.example');
    expect(r.text).toContain('Belgrade and Pristina remain far apart');
  });
});

describe('boilerplate rules', () => {
  const para = (text: string) => ({ kind: 'paragraph' as const, text });
  const body = para(
    'The ceasefire between Armenia and Azerbaijan has held since the peace framework was initialled, although border delimitation talks remain stalled over the enclaves and the transit route through Syunik province, which Baku insists must be free of Armenian customs checks.',
  );

  it.each([
    'If you value our work, please consider making a donation. Every contribution helps us stay independent!',
    'Enjoyed this analysis? Become a member and support independent geopolitical research.',
    'Sign up for our weekly newsletter and get every briefing in your inbox.',
    'Support us on Patreon to unlock premium reports.',
    'Click to share on Twitter (Opens in new window)',
    'Share this article: Facebook · LinkedIn · Email',
    'The post Armenia’s Long Winter appeared first on Caucasus Monitor.',
    'This article was originally published by Eurasia Review.',
    'This website uses cookies. Manage cookie settings.',
    'Advertisement',
    'Read more: Why the Zangezur corridor matters',
    'Thanks for reading Caucasus Notes! Subscribe for free to receive new posts and support my work.',
    'Like Loading...',
  ])('removes %j', (text) => {
    const { blocks, removed } = cleanupBlocks([body, para(text), body]);
    expect(blocks.map((b) => b.text)).toEqual([body.text, body.text]);
    expect(removed.map((r) => r.text)).toEqual([text]);
  });

  it.each([
    'Gulf donors pledged donations worth $2 billion to Egypt’s central bank, our sources in Cairo say.',
    'Moscow’s subscription to the idea of a multipolar order shapes its outreach to the Global South.',
    'Readers of Kremlin statements should share the scepticism of Western intelligence services about these figures.',
    'We assess that a new offensive is unlikely before the spring thaw.',
  ])('keeps analysis that only mentions appeal words: %j', (text) => {
    const { blocks } = cleanupBlocks([body, para(text), body]);
    expect(blocks.map((b) => b.text)).toContain(text);
  });

  it('cuts a trailing "You may also like" list and an author bio, but not a mid-article heading', () => {
    const { blocks } = cleanupBlocks(
      [
        body,
        { kind: 'heading', text: 'Further Reading' },
        body,
        { kind: 'heading', text: 'You may also like' },
        para('Georgia’s Drift'),
        para('Armenia Looks West'),
        para('Lena Petrosyan is a research fellow at the Caucasus Institute.'),
      ],
      { authors: ['Lena Petrosyan'] },
    );
    // "Further Reading" is followed by a substantial paragraph, so it stays as a section heading.
    expect(blocks.map((b) => b.text)).toEqual([body.text, 'Further Reading', body.text]);
  });

  it('drops a trailing bio paragraph by the named author', () => {
    const { blocks } = cleanupBlocks([body, para('Lena Petrosyan is a research fellow at the Caucasus Institute in Yerevan.')], {
      authors: ['Lena Petrosyan'],
    });
    expect(blocks.map((b) => b.text)).toEqual([body.text]);
  });
});

describe('heading detection and helpers', () => {
  it.each([
    'Background Information',
    'Geopolitical Scenario',
    'What Comes Next',
    'KEY FINDINGS',
    'Implications for the United States and its Allies',
    '2. The Role of Turkey',
    'Is a Ceasefire Possible?',
  ])('%j is a heading', (line) => {
    expect(looksLikeHeading(line)).toBe(true);
  });

  it.each([
    'The talks ended without agreement.',
    'however talks continued',
    'In the current geopolitical landscape, marked by the ongoing Ukraine conflict, which pits Western powers against Russia',
  ])('%j is not a heading', (line) => {
    expect(looksLikeHeading(line)).toBe(false);
  });

  it('parses the dates publishers print', () => {
    expect(parseDate('2023-08-14')).toBe('2023-08-14T00:00:00.000Z');
    expect(parseDate('August 14th, 2023')).toBe('2023-08-14T00:00:00.000Z');
    expect(parseDate('14 Aug 2023')).toBe('2023-08-14T00:00:00.000Z');
    expect(parseDate('Mon, 14 Aug 2023 10:00:00 GMT')).toBe('2023-08-14T10:00:00.000Z');
    expect(parseDate('2023-08-14T10:00:00+02:00')).toBe('2023-08-14T08:00:00.000Z');
    expect(parseDate('next Tuesday')).toBeUndefined();
  });

  it('slugs are ASCII, dash-separated and bounded', () => {
    expect(slugify('Türkiye’s “Zero Problems” Policy & the Caucasus')).toBe('turkiyes-zero-problems-policy-and-the-caucasus');
    expect(slugify('a'.repeat(30) + ' ' + 'b'.repeat(70)).length).toBeLessThanOrEqual(80);
  });

  it('the same content gives the same id and hash; changed content changes only the hash', () => {
    const origin = { kind: 'file' as const, path: '/r/x.txt' };
    const text = 'Title Here\n\nAuthors: A B\n\nFirst paragraph of the report, long enough to be prose and to count as a body paragraph here.';
    const a = parseReport(text, { filename: '/r/x.txt', origin, now });
    const b = parseReport(text, { filename: '/r/x.txt', origin, now: new Date() });
    const c = parseReport(`${text} One more sentence.`, { filename: '/r/x.txt', origin, now });
    expect(b.id).toBe(a.id);
    expect(b.contentHash).toBe(a.contentHash);
    expect(c.id).toBe(a.id);
    expect(c.contentHash).not.toBe(a.contentHash);
  });
});

describe('front matter split (yaml)', () => {
  it('reads YAML between --- lines, also empty and "..."-terminated, and leaves the body', () => {
    expect(splitFrontMatter('---\ntitle: A\ndate: 2024-03-05\n---\n# Body\n')).toEqual({ data: { title: 'A', date: '2024-03-05' }, body: '# Body\n' });
    expect(splitFrontMatter('---\n---\nText')).toEqual({ data: {}, body: 'Text' });
    expect(splitFrontMatter('---\nauthors: [Jane Doe, John Roe]\n...\nText').data).toEqual({ authors: ['Jane Doe', 'John Roe'] });
    expect(splitFrontMatter('# No front matter\n---\nx: 1\n---\n').data).toEqual({});
    expect(splitFrontMatter('---\n- a list\n---\nText').data).toEqual({});
  });

  it('refuses invalid YAML with the line it failed on', () => {
    expect(() => splitFrontMatter('---\ntitle: [unclosed\nauthor: x\n---\nText')).toThrow(/front matter is not valid YAML/);
  });

  it('a date in front matter is the published date', () => {
    const r = parseReport('---\ntitle: Dated\npublished: 2024-03-05\n---\n\nThe body text of the report is here.\n', {
      format: 'markdown',
      origin: { kind: 'file', path: '/x.md' },
      now,
    });
    expect(r.publishedAt).toBe('2024-03-05T00:00:00.000Z');
  });
});
