import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/reports/parsers/index.ts';
import { normaliseUrl, otherIdentities } from '../../src/reports/urls.ts';

const now = new Date('2025-02-01T12:00:00Z');
const body = (p: string) =>
  `<p>${p} The council met again on Thursday and agreed to publish the figures before the end of the month, after a long dispute about the method used to count them.</p>`.repeat(
    3,
  );
const page = (head: string, text = body('Officials said the plan would go ahead.')) =>
  `<!doctype html><html lang="en"><head><title>Budget plan approved</title>${head}</head><body><article><h1>Budget plan approved</h1>${text}</article></body></html>`;
const parse = (html: string, url = 'https://news.example/2024/05/01/budget?utm_source=x') =>
  parseReport(html, { format: 'html', url, origin: { kind: 'url', url }, now });

describe('identities (altUrls)', () => {
  it('canonical, og:url and the fetched URL are all identities, normalised and without the main URL', () => {
    const r = parse(
      page('<link rel="canonical" href="https://www.news.example/budget-plan"><meta property="og:url" content="https://news.example/amp/budget-plan">'),
    );
    expect(r.url).toBe('https://www.news.example/budget-plan');
    expect(r.altUrls).toEqual(['https://news.example/amp/budget-plan', 'https://news.example/2024/05/01/budget']);
    expect(r.altUrls!.map(normaliseUrl)).not.toContain(normaliseUrl(r.url!));
  });

  it('a canonical link to the front page is no identity of an article', () => {
    const r = parse(page('<link rel="canonical" href="https://news.example/">'));
    expect(r.url).toBe('https://news.example/2024/05/01/budget?utm_source=x');
    expect(r.altUrls ?? []).not.toContain('https://news.example/');
  });

  it('otherIdentities keeps one URL per normalised key', () => {
    expect(
      otherIdentities('https://a.example/x', ['http://www.a.example/x/', 'https://a.example/y?utm_medium=m', 'https://a.example/y', 'mailto:x@a.example']),
    ).toEqual(['https://a.example/y']);
  });
});

describe('language', () => {
  it('is detected from enough text, and not from a few words', () => {
    expect(parse(page('')).language).toBe('en');
    const fr = parse(
      page(
        '',
        body(
          'Le conseil municipal a adopté le budget après une longue séance, malgré les critiques de l’opposition sur la hausse des impôts locaux et la baisse des investissements prévus dans les écoles.',
        ).replace(/The council[^<]*/g, ''),
      ),
    );
    expect(fr.language).toBe('fr');
    const short = parseReport('Tiny\n\nJust a few words here.', { format: 'text', origin: { kind: 'file', path: '/t.txt' }, now });
    expect(short.language).toBeUndefined();
  });
});

describe('dates', () => {
  it('a page with only a modified date has no published date', () => {
    const r = parse(page('<meta property="article:modified_time" content="2024-06-01T10:00:00Z">'), 'https://news.example/budget');
    expect(r.publishedAt).toBeUndefined();
    expect(r.modifiedAt).toBe('2024-06-01T10:00:00.000Z');
  });

  it('a date in the URL path is the published date when the page has none', () => {
    expect(parse(page('')).publishedAt).toBe('2024-05-01T00:00:00.000Z');
  });

  it('an undated page gets no date from its text or a copyright line', () => {
    const r = parse(page('', `${body('In March 2023 the plan was first discussed.')}<footer>© 2024 News Example</footer>`), 'https://news.example/budget');
    expect(r.publishedAt).toBeUndefined();
  });
});

describe('titles that are not the article', () => {
  const html = (head: string, bodyStart = '') =>
    `<!doctype html><html lang="de"><head>${head}</head><body><header><a href="/">Netz Blog</a><p class="site-description">Fakten und Hintergründe zur Energiewende</p></header><article>${bodyStart}<p>${'Der Ausbau der Stromnetze kommt langsamer voran als geplant, und die Kosten steigen weiter. '.repeat(5)}</p></article></body></html>`;
  const parse = (h: string, b = '') =>
    parseReport(html(h, b), {
      format: 'html',
      url: 'https://netzblog.example/2024/01/02/netz',
      origin: { kind: 'url', url: 'https://netzblog.example/2024/01/02/netz' },
      now,
    });

  it('a slogan or "Original text" in og:title loses to the <title> and heading that agree', () => {
    expect(
      parse(
        '<meta property="og:title" content="Fakten und Hintergründe zur Energiewende"><title>Netzausbau im Verzug – Netz Blog</title>',
        '<h1>Netzausbau im Verzug</h1>',
      ).title,
    ).toBe('Netzausbau im Verzug');
    expect(parse('<meta property="og:title" content="Original text"><title>Netzausbau im Verzug | Netz Blog</title>').title).toBe('Netzausbau im Verzug');
  });

  it('a site name in og:title is never the title', () => {
    expect(parse('<meta property="og:title" content="Netz Blog"><title>Netz Blog</title>', '<h2 class="entry-title">Netzausbau im Verzug</h2>').title).toBe(
      'Netzausbau im Verzug',
    );
  });
});
