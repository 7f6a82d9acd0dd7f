import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { cleanAuthorNames, parseDate } from '../../src/reports/parsers/blocks.ts';
import { cleanupBlocks, stripFootnoteMarkers } from '../../src/reports/parsers/cleanup.ts';
import { parseReport, parseReportFile } from '../../src/reports/parsers/index.ts';

/**
 * Shapes taken from real publisher material (see tests/fixtures/README.md for where each pattern was seen):
 * think-tank papers pasted as text, news pages with comma-listed tags and author-suffixed titles, WordPress
 * pages whose JSON-LD authors are @id references inside an @graph, front pages and paywall stubs.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const article = (name: string) => `${root}tests/fixtures/reports/${name.includes('/') ? name : `real-world/${name}`}`;
const now = new Date('2025-02-01T12:00:00Z');
const html = (name: string, url = 'https://site.example/article') =>
  parseReport(readFileSync(article(name)), { url, contentType: 'text/html', origin: { kind: 'url', url }, now });
const text = (body: string) => parseReport(body, { format: 'text', origin: { kind: 'file', path: '/r.txt' }, now });
const prose =
  'The military governments of Mali, Burkina Faso and Niger have formed the Alliance of Sahel States and announced their withdrawal from ECOWAS, a rupture in regional cooperation.';

describe('think-tank papers pasted as plain text', () => {
  it('numbered and ALL-CAPS headings become sections; footnote markers, the Notes list, syndication and copyright lines are not body', async () => {
    const r = await parseReportFile(article('maritime-key-judgements.txt'), now);
    expect(r.sections.map((s) => s.heading)).toEqual(['KEY JUDGEMENTS', '1. Background', '2. Ukrainian Strike Campaign', 'CONCLUSION']);
    expect(r.authors).toEqual(['Jane Doe']);
    expect(r.publishedAt).toBe('2024-03-03T00:00:00.000Z');
    expect(r.captions?.[0]).toMatch(/^Photo: A Russian Kilo-class submarine/);
    expect(r.source).toBe('Centre for Maritime Security Studies');
    // Footnote markers glued to words or in brackets are gone; the numbers that are content stay.
    expect(r.text).toContain('throughout 2023 and early 2024.\n');
    expect(r.text).toContain('deny the western Black Sea to Russian ships.\n');
    expect(r.text).toContain('annex the peninsula in 2014, as documented');
    expect(r.text).not.toMatch(/\[\d\]|ships\.2|Notes|Example Press|originally published|All rights reserved/);
    expect(r.sections.at(-1)!.paragraphs).toHaveLength(1);
  });

  it('"Executive Summary"/"Introduction"/"Conclusion" sections; References and the author bio are dropped', async () => {
    const r = await parseReportFile(article('sahel-executive-summary.txt'), now);
    expect(r.authors).toEqual(['Amadou Diallo']);
    expect(r.publishedAt).toBe('2025-02-12T00:00:00.000Z');
    expect(r.sections.map((s) => s.heading)).toEqual(['Executive Summary', 'Introduction', 'Conclusion']);
    expect(r.text).not.toMatch(/References|Crisis Group|ACLED|senior fellow/);
  });

  it.each([
    ['By Jane Doe and John Roe', ['Jane Doe', 'John Roe'], undefined],
    ['Jane Doe | 3 March 2024', ['Jane Doe'], '2024-03-03'],
    ['Author: Jane Doe, Senior Fellow', ['Jane Doe'], undefined],
    ['Authors: Jane Doe (RUSI), John Roe (IISS)', ['Jane Doe', 'John Roe'], undefined],
    ['BY JANE DOE AND JOHN ROE', ['Jane Doe', 'John Roe'], undefined],
    ['By Jane Doe, Research Fellow, and John Roe', ['Jane Doe', 'John Roe'], undefined],
    ['Dr. Jane Doe, Prof. John Roe', ['Jane Doe', 'John Roe'], undefined],
    ['Jane Doe, John Roe and Ali Khan', ['Jane Doe', 'John Roe', 'Ali Khan'], undefined],
    ['Commentary | 3 March 2024', [], '2024-03-03'],
    ['3 March 2024 | Jane Doe, Senior Fellow', ['Jane Doe'], '2024-03-03'],
    ['by Jane Doe • March 3, 2024', ['Jane Doe'], '2024-03-03'],
    ['Jane Doe – 3 March 2024', ['Jane Doe'], '2024-03-03'],
    ['Jane Doe\n3 March 2024', ['Jane Doe'], '2024-03-03'],
    ['Mar 3, 2024 · 12 min read', [], '2024-03-03'],
    ['Posted by Jane Doe on March 3, 2024 in Analysis', ['Jane Doe'], '2024-03-03'],
    ['Analysis by Jane Doe, Senior Fellow at RUSI', ['Jane Doe'], undefined],
    ['Contributors: Jane Doe; John Roe', ['Jane Doe', 'John Roe'], undefined],
  ])('byline %j', (line, authors, date) => {
    const r = text(`The Title Of The Report Here\n\n${line}\n\n${prose}\n`);
    expect(r.authors).toEqual(authors);
    expect(r.publishedAt?.slice(0, 10)).toBe(date);
    expect(r.text).toBe(prose);
  });

  it('PDF paste: series kicker above the title, month-only date, table of contents, bullets, page numbers, figure captions, Endnotes', async () => {
    const r = await parseReportFile(article('arctic-occasional-paper.txt'), now);
    expect(r.title).toBe("China's Arctic Ambitions: Science, Shipping and Security");
    expect(r.authors).toEqual(['Ingrid Larsen', 'Wei Zhang']);
    expect(r.publishedAt).toBe('2024-03-01T00:00:00.000Z');
    expect(r.standfirst).toBeUndefined();
    expect(r.sections.map((s) => s.heading)).toEqual(['Executive Summary', 'I. The Polar Silk Road', 'II. Russia as Gatekeeper', 'Conclusions']);
    expect(r.sections[0]!.paragraphs).toHaveLength(3);
    expect(r.sections[0]!.paragraphs[0]).toMatch(/^China has declared itself/);
    expect(r.captions).toEqual(['Figure 1: Transit voyages on the Northern Sea Route, 2015–2023. Source: CHNL.']);
    expect(r.text).not.toMatch(/\.{4}|Contents|Page 1 of 12|Figure 1|•|Endnotes|State Council Information Office/);
  });

  it.each([
    ['2024/03/05', '2024-03-05'],
    ['05.03.2024', '2024-03-05'],
    ['25/03/2024', '2024-03-25'],
    ['03/25/2024', '2024-03-25'],
    ['05/03/2024', undefined],
    ['March 2024', '2024-03-01'],
    ['Sept. 2023', '2023-09-01'],
    ['Tuesday, 5 March 2024', '2024-03-05'],
  ])('date %j', (value, iso) => {
    expect(parseDate(value)?.slice(0, 10)).toBe(iso);
  });

  it.each([
    ['Tue, 5 Mar 2024 9:00:00 +0000', '2024-03-05T09:00:00.000Z'],
    ['Tue, 05 Mar 2024 09:00:00 CET', '2024-03-05T08:00:00.000Z'],
    ['Tuesday, 05 March 2024 09:00:00 EDT', '2024-03-05T13:00:00.000Z'],
    ['Tue, 05 Mar 24 09:00:00 +0530', '2024-03-05T03:30:00.000Z'],
    ['Tue Mar 05 2024 09:00:00 GMT+0100', '2024-03-05T08:00:00.000Z'],
    ['March 5, 2024 12:30 p.m. EST', '2024-03-05T17:30:00.000Z'],
    ['5 March 2024, 09:00', '2024-03-05T09:00:00.000Z'],
    ['5 Marcha 2024 09:00', undefined],
  ])('feed date-time %j', (value, iso) => {
    expect(parseDate(value)).toBe(iso);
  });

  it('a page pasted with its navigation: skip link, menu, breadcrumb and URL are not the title', () => {
    const r = text(`Skip to main content\nMenu\nHome » Analysis » Africa\nhttps://sahel.example/analysis/juntas\n\nThe Sahel After the Juntas\n\n${prose}\n`);
    expect(r.title).toBe('The Sahel After the Juntas');
    expect(r.url).toBe('https://sahel.example/analysis/juntas');
    expect(r.text).toBe(prose);
  });

  it('a two-part place or topic line is not read as a list of authors', () => {
    const r = text(`The Title Of The Report Here\n\nMiddle East and North Africa\n\n${prose}\n`);
    expect(r.authors).toEqual([]);
  });

  it('keeps a "Sources" section that is prose about sources, not a reference list', () => {
    const about =
      'Sources in Bamako and Niamey describe a rift between the juntas over fuel supplies, and officials close to the transition in Ouagadougou confirmed that talks on a joint force have stalled since the spring.';
    const r = text(`Title Line Of The Paper\n\n${prose}\n\nSources\n\n${about}\n`);
    expect(r.text).toContain(about);
  });
});

describe('Markdown from other publishers', () => {
  it('front matter author objects and categories; HTML comments, bold-line headings, footnote and link definitions', async () => {
    const r = await parseReportFile(article('pakistan-afghan-dilemma.md'), now);
    expect(r.authors).toEqual(['Ayesha Khan', 'Omar Farooq']);
    expect(r.tags).toEqual(['South Asia', 'Afghanistan']);
    expect(r.sections.map((s) => s.heading)).toEqual(['Key Judgements', 'Background', 'Outlook']);
    expect(r.sections[0]!.paragraphs[0]).toMatch(/Tehreek-e-Taliban Pakistan \(TTP\)\.$/);
    expect(r.text).toContain('as detailed by Crisis Group.');
    expect(r.text).not.toMatch(/draft notes|\[\^|Monitoring Team|UNHCR statement|crisisgroup\.org|\[icg\]/);
    expect(r.captions).toEqual(['Torkham border crossing — Photo: AFP']);
  });

  it('a byline line under the # title gives authors and date; the bio and "first appeared" footer are dropped', async () => {
    const r = await parseReportFile(article('venezuela-after-election.md'), now);
    expect(r.title).toBe('Venezuela After the Election');
    expect(r.authors).toEqual(['Carlos Mendes']);
    expect(r.publishedAt).toBe('2024-08-02T00:00:00.000Z');
    expect(r.sections.map((s) => s.heading)).toEqual([null, 'Regional reactions']);
    expect(r.text).not.toMatch(/By Carlos|senior analyst|first appeared/);
  });
});

describe('footnote markers and author names', () => {
  it.each([
    ['annexed Crimea in 2014.[3] Since then', 'annexed Crimea in 2014. Since then'],
    ['the corridor reopened.12 The fleet', 'the corridor reopened. The fleet'],
    ['Russia withdrew¹ its ships', 'Russia withdrew its ships'],
    ['casualties rose to 1.5 million', 'casualties rose to 1.5 million'],
    ['under Resolution 2231. It expired', 'under Resolution 2231. It expired'],
  ])('%j', (input, expected) => {
    expect(stripFootnoteMarkers(input)).toBe(expected);
  });

  it('cleans names from bylines and feeds', () => {
    expect(
      cleanAuthorNames([
        'David Smith in Washington',
        'Ashifa Kassam in Stanstead, Quebec',
        'JANE DOE',
        'Dr. Ali Khan',
        'Senior Fellow',
        'editor@site.example',
        'Associated Press',
        'Opinion',
        'NEWS WIRES',
        'Our Foreign Staff',
        'Photograph by Jo Bloggs',
        'by:\n Laurie Oakes',
        'Daniel Frost Associated Press',
        'Par Claire Dubois',
        'Gina Trapani CEO',
        'Andrew Husband Twitter',
        'Staff',
        'Unknown',
        'admin',
      ]),
    ).toEqual(['David Smith', 'Ashifa Kassam', 'Jane Doe', 'Ali Khan', 'Laurie Oakes', 'Daniel Frost', 'Claire Dubois', 'Gina Trapani', 'Andrew Husband']);
  });
});

describe('news and blog pages', () => {
  it('news page: comma-listed article:tag, author and section suffixes in the title, CDATA JSON-LD, dateline byline', () => {
    const r = html('courier-turkey-straits.html');
    expect(r.title).toBe('‘The straits are closed’: Turkey’s Montreux balancing act'.replace(/[‘’]/g, "'"));
    expect(r.source).toBe('The Courier');
    expect(r.authors).toEqual(['Eleanor Roe']);
    expect(r.tags).toEqual(['Turkey', 'Black Sea', 'Russia', 'Ukraine', 'World news']);
    expect(r.url).toBe('https://www.courier.example/world/2024/mar/03/turkey-montreux');
    expect(r.publishedAt).toBe('2024-03-03T07:00:02.000Z');
    expect(r.sections.map((s) => s.heading)).toEqual([null, 'Two seas, one gatekeeper']);
    expect(r.sections[0]!.paragraphs[0]).toMatch(/^Turkey has used its control/);
    expect(r.text).not.toMatch(/Eleanor Roe in Istanbul|First Edition|newsletter|Explore more|Reuse this content/);
    expect(r.text.endsWith('or Novorossiysk for repairs.')).toBe(true);
  });

  it('WordPress/Yoast page: @graph authors by @id, JSON-LD keywords, share bar, footnotes, newsletter box, Notes, bio, related posts', () => {
    const r = html('levant-yoast-graph.html');
    expect(r.authors).toEqual(['Karim Haddad', 'Leila Nasser']);
    expect(r.tags).toEqual(['Hezbollah', 'Lebanon', 'Israel', 'Analysis']);
    expect(r.publishedAt).toBe('2025-01-15T09:00:00.000Z');
    expect(r.sections.map((s) => s.heading)).toEqual([null, 'Key Takeaways', 'The Litani line']);
    expect(r.text).toContain('degraded by Israeli strikes in Lebanon. The group still controls parts of the south.');
    expect(r.text).not.toMatch(/Share this|Twitter|inbox|Subscribe|Notes|Reuters, 12 November|senior analyst|Syria after Assad|Lebanon\.1/);
  });

  it('think-tank page with Highwire/Google Scholar citation_* tags: every citation_author, "Last, First" order, publisher, slash date', () => {
    const r = html('citation-meta.html');
    expect(r.title).toBe('Deterring Russia in the Baltic: Options for NATO');
    expect(r.authors).toEqual(['Anna Kowalski', 'John R. Smith']);
    expect(r.source).toBe('Policy Institute');
    expect(r.publishedAt).toBe('2024-02-15T00:00:00.000Z');
  });

  it('news page whose byline is only in a "byl" meta tag and whose date is article:published', () => {
    const page = `<html><head><meta property="og:type" content="article"><meta property="article:published" itemprop="datePublished" content="2019-02-21T08:00:08.000Z"><meta name="byl" content="By Corey Kilgannon and Ana Ley"><title>Winter - The Paper</title></head><body><article><h1>Winter</h1><p>${prose} ${prose}</p><p>${prose}</p></article></body></html>`;
    const r = parseReport(page, { format: 'html', origin: { kind: 'url', url: 'https://n.example/a' }, now });
    expect(r.authors).toEqual(['Corey Kilgannon', 'Ana Ley']);
    expect(r.publishedAt).toBe('2019-02-21T08:00:08.000Z');
  });

  it('drops link-only blocks inside the article (inline related lists, download links) but keeps prose with links', () => {
    const page = `<html><head><meta property="og:type" content="article"><title>Sahel</title></head><body><article><h1>Sahel</h1><p>${prose} ${prose}</p><ul><li><a href="/a">Mali's gold and Russian miners</a></li><li><a href="/b">Niger expels French troops</a></li></ul><p><a href="/report.pdf">Download the full report (PDF)</a></p><p>The juntas signed a <a href="/pact">mutual defence pact</a> in Niamey. ${prose}</p></article></body></html>`;
    const r = parseReport(page, { format: 'html', origin: { kind: 'url', url: 'https://s.example/a' }, now });
    expect(r.text).not.toMatch(/Russian miners|French troops|Download/);
    expect(r.text).toContain('The juntas signed a mutual defence pact in Niamey.');
  });

  it('think-tank commentary: a Key Points sidebar Readability drops is kept after the lead; the printed date is read; author cards and related lists are not text', () => {
    const r = html('key-points-aside.html');
    expect(r.publishedAt).toBe('2024-03-03T00:00:00.000Z');
    expect(r.authors).toEqual(['Jane Doe', 'John Roe']);
    expect(r.sections.map((s) => s.heading)).toEqual([null, 'Key Points', 'Why the corridor works', 'Risks ahead']);
    expect(r.sections[1]!.paragraphs).toHaveLength(2);
    expect(r.sections[1]!.paragraphs[0]).toMatch(/^Ukraine has exported more grain/);
    expect(r.text).not.toMatch(/Related Content|Turkey and the Straits|Research Associate|press@|Media Queries|All rights reserved/);
  });

  it('a "Highlights" box of links to other articles is not key points', () => {
    const teasers = ['Mali after the coup: what the junta wants from Moscow', 'Niger expels French troops and turns to Russia for security']
      .map((t) => `<li><a href="/${t.length}">${t}</a></li>`)
      .join('');
    const page = `<html><head><meta property="og:type" content="article"><title>Sahel</title></head><body><aside class="highlights"><h3>Highlights</h3><ul>${teasers}</ul></aside><article><h1>Sahel</h1><p>${prose} ${prose}</p><p>${prose}</p></article></body></html>`;
    const r = parseReport(page, { format: 'html', origin: { kind: 'url', url: 'https://s.example/a' }, now });
    expect(r.sections.map((s) => s.heading)).toEqual([null]);
  });

  it('refuses a front page (teaser cards) with an actionable error instead of storing it', () => {
    expect(() => html('not-articles/front-page.html', 'https://levant.example/')).toThrowError(UserError);
    expect(() => html('not-articles/front-page.html', 'https://levant.example/')).toThrowError(/front page or list of articles.*one article/);
  });

  it('an article without og:type whose page keeps a "More stories" box of linked headlines is still an article', () => {
    const body = Array.from({ length: 5 }, (_, i) => `<p>Paragraph ${i + 1}: ${prose} ${prose}</p>`).join('');
    const more = ['Mali', 'Niger', 'Chad'].map((c) => `<h3><a href="/${c}">${c} after the coup</a></h3><p>${c} teaser.</p>`).join('');
    const page = `<html><head><title>Sahel</title></head><body><article><h1>Sahel Juntas</h1>${body}<h2>More stories</h2>${more}</article></body></html>`;
    const r = parseReport(page, { format: 'html', origin: { kind: 'url', url: 'https://s.example/a' }, now });
    expect(r.text).toContain('Paragraph 5:');
  });

  it('refuses a paywall stub, saying how little is readable', () => {
    expect(() => html('not-articles/paywall-stub.html')).toThrowError(/behind a paywall: only \d+ characters/);
  });

  it('a long article that merely ends with a subscribe box is not a paywall', () => {
    const body = Array.from({ length: 6 }, (_, i) => `<p>Paragraph ${i + 1}: ${prose} ${prose}</p>`).join('');
    const page = `<html><head><meta property="og:type" content="article"><title>Sahel</title></head><body><article><h1>Sahel Juntas</h1>${body}<div><p>Already a subscriber? Log in to continue reading our premium analysis.</p></div></article></body></html>`;
    const r = parseReport(page, { format: 'html', url: 'https://s.example/a', origin: { kind: 'url', url: 'https://s.example/a' }, now });
    expect(r.sections[0]!.paragraphs).toHaveLength(6);
  });

  it('resolves JSON-LD authors given as a bare @id reference, an array of strings, or a single object', () => {
    const page = (ld: string) =>
      parseReport(
        `<html><head><script type="application/ld+json">${ld}</script><title>T</title></head><body><article><h1>T</h1><p>${prose} ${prose}</p><p>${prose}</p></article></body></html>`,
        {
          format: 'html',
          origin: { kind: 'url', url: 'https://a.example/x' },
          now,
        },
      );
    expect(
      page('{"@context":"https://schema.org","@type":["NewsArticle","Article"],"headline":"T","author":{"@type":"Person","name":"Test Author"}}').authors,
    ).toEqual(['Test Author']);
    expect(page('{"@type":"ReportageNewsArticle","headline":"T","author":["Ana Lopez","Ben Hill"]}').authors).toEqual(['Ana Lopez', 'Ben Hill']);
    expect(
      page('{"@graph":[{"@type":"BlogPosting","headline":"T","author":{"@id":"#p1"}},{"@type":"Person","@id":"#p1","name":"Cara Diaz"}]}').authors,
    ).toEqual(['Cara Diaz']);
  });
});

describe('clean-up rules seen on real pages', () => {
  const para = (t: string) => ({ kind: 'paragraph' as const, text: t });
  const body = para(prose);
  it("drops Medium's syndication footer and reads the publication from it", () => {
    const footer =
      'Why Syunik Matters was originally published in Caucasus Notes on Medium, where people are continuing the conversation by highlighting and responding to this story.';
    const { blocks, sourceHint } = cleanupBlocks([body, para(footer)]);
    expect(blocks.map((b) => b.text)).toEqual([prose]);
    expect(sourceHint).toBe('Caucasus Notes');
  });

  it.each(['This commentary was republished from War on the Rocks with permission.', 'A version of this article was first published by the Lowy Interpreter'])(
    'drops republication notes %j',
    (t) => {
      expect(cleanupBlocks([body, para(t)]).blocks.map((b) => b.text)).toEqual([prose]);
    },
  );

  it.each(['Published: 3 March 2024', 'Updated March 5, 2024 9:00 am EST', '6 min read', 'Listen to this article (4 min)', 'Tue, 5 Mar 2024 09:00:00 GMT'])(
    'drops a date/reading line above the text: %j',
    (t) => {
      expect(cleanupBlocks([para(t), body, body]).blocks.map((b) => b.text)).toEqual([prose, prose]);
    },
  );

  it.each([
    'The views expressed in this article are those of the author and do not necessarily reflect the position of the Institute.',
    'Disclaimer: This analysis is provided for information only.',
  ])('drops a disclaimer %j', (t) => {
    expect(cleanupBlocks([body, para(t), body]).blocks.map((b) => b.text)).toEqual([prose, prose]);
  });

  it('drops a closing one-line source list, but not a "Sources:" line mid-text', () => {
    expect(cleanupBlocks([body, body, para('Sources: Reuters, AFP, Interfax, Ministry of Defence of Ukraine')]).blocks).toHaveLength(2);
    const mid = [body, para('Sources: officials in Kyiv describe the talks as stalled.'), body, body, body, body, body];
    expect(cleanupBlocks(mid).blocks).toHaveLength(7);
  });

  it('keeps a short dated sentence deep in the body', () => {
    const blocks = [body, body, body, body, body, body, body, body, body, para('5 March 2024')];
    expect(cleanupBlocks(blocks).blocks).toHaveLength(10);
  });

  it.each([
    'Subscribe to the Levant Insight newsletter.',
    'Sign up to First Edition, our free daily newsletter – every weekday morning at 7am',
    'Get our analysis delivered to your inbox',
  ])('removes %j', (t) => {
    const { blocks } = cleanupBlocks([body, para(t), body]);
    expect(blocks.map((b) => b.text)).toEqual([prose, prose]);
  });
});
