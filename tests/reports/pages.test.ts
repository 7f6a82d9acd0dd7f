import { describe, expect, it } from 'vitest';
import { authorsRight, dateRight, loadPages, parsePage, sameDay, titleRight } from '../../bench/fidelity.ts';

/**
 * Every page fixture under tests/fixtures/pages/ (shapes of WordPress, Arc, Drupal, Ghost, Medium,
 * Substack, Blogger, wire and broadcaster news pages, a MediaWiki page, Japanese, German, French and
 * Spanish pages…) against the JSON beside it: title, authors, published date or none, clean text.
 */
const pages = loadPages();

describe('page fixtures', () => {
  it('has at least 30 pages, each with its expectations', () => {
    expect(pages.length).toBeGreaterThanOrEqual(30);
    for (const page of pages) expect(page.expected).toMatchObject({ url: expect.any(String), title: expect.any(String), authors: expect.any(Array) });
  });

  it.each(pages.map((p) => [p.name, p] as const))('%s', (_name, page) => {
    const r = parsePage(page);
    const e = page.expected;
    expect(titleRight(r, e), `title ${JSON.stringify(r.title)}`).toBe(true);
    expect(authorsRight(r, e), `authors ${JSON.stringify(r.authors)}`).toBe(true);
    expect(dateRight(r, e), `publishedAt ${r.publishedAt}`).toBe(true);
    if (e.modifiedAt) expect(sameDay(r.modifiedAt, e.modifiedAt)).toBe(true);

    const everything = [r.title, ...r.authors, r.standfirst ?? '', r.text, ...(r.captions ?? [])].join('\n');
    expect(everything).not.toMatch(/&(?:[a-z][a-z0-9]{1,31}|#\d{1,7}|#x[0-9a-f]{1,6});/i);
    expect(everything).not.toMatch(/[\u00ad\u200b-\u200f\u202a-\u202e\u2066-\u2069\u00a0]/);

    const lead = r.sections[0]?.paragraphs[0] ?? '';
    if (e.dateline) {
      expect(r.dateline).toBe(e.dateline);
      expect(lead.startsWith(e.dateline)).toBe(false);
    } else expect(r.dateline).toBeUndefined();
    if (e.lead) expect(lead.startsWith(e.lead), `lead ${JSON.stringify(lead.slice(0, 60))}`).toBe(true);
    if (e.language) expect(r.language).toBe(e.language);
    // A caption or photo credit never opens the text.
    expect(lead).not.toMatch(/^(photo|image|credit|residents wade|cranes at)/i);
    // The fetched URL is an identity of the report, whichever URL became its main link.
    expect([r.url, ...(r.altUrls ?? [])].map((u) => u?.replace(/\/$/, ''))).toContain(e.url.replace(/\/$/, ''));
  });
});

describe('dateline splitting', () => {
  it.each([
    ['LONDON — The government said', 'LONDON', 'The government said'],
    ['KYIV, Ukraine (AP) — Russian forces struck', 'KYIV, Ukraine (AP)', 'Russian forces struck'],
    ['WASHINGTON, March 3 (Reuters) - The Biden administration', 'WASHINGTON, March 3 (Reuters)', 'The Biden administration'],
    ['Vilnius (dpa) – Die Bundeswehr hat', 'Vilnius (dpa)', 'Die Bundeswehr hat'],
    ['(Reuters) - Oil prices rose on Monday', '(Reuters)', 'Oil prices rose on Monday'],
  ])('%j', async (paragraph, dateline, rest) => {
    const { splitDateline } = await import('../../src/reports/parsers/dateline.ts');
    const text = `${paragraph} after a week of talks that ended without agreement on any of the main points.`;
    expect(splitDateline(text)).toEqual({ dateline, text: `${rest} after a week of talks that ended without agreement on any of the main points.` });
  });

  it.each([
    'Analysts — many of them former officials — say the plan will fail before the end of the year.',
    'In London — as in Paris — the protests grew larger through the week and the police kept their distance.',
    'The ministry - which denies the report - said it would publish its own figures on Monday morning.',
  ])('leaves an ordinary sentence alone: %j', async (paragraph) => {
    const { splitDateline } = await import('../../src/reports/parsers/dateline.ts');
    expect(splitDateline(paragraph)).toEqual({ text: paragraph });
  });
});
