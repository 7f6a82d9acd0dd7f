import { describe, expect, it } from 'vitest';
import { decodeEntities, hygiene, stripInvisible } from '../../src/reports/parsers/hygiene.ts';
import { parseReport } from '../../src/reports/parsers/index.ts';
import { parseFeedDocument } from '../../src/reports/feed-items.ts';

const now = new Date('2025-02-01T12:00:00Z');

describe('text hygiene', () => {
  it.each([
    ['&quot;Quoted&quot; &amp; more', '"Quoted" & more'],
    ['Double &amp;quot;escaped&amp;quot;', 'Double "escaped"'],
    ['AT&T and R&D', 'AT&T and R&D'],
    ['caf&eacute; &#8211; &#x2014;', 'café – —'],
  ])('decodes entities in %j', (input, expected) => {
    expect(decodeEntities(input)).toBe(expected);
  });

  it('removes soft hyphens, zero-width and bidi controls; NBSP becomes a space', () => {
    expect(stripInvisible('Vladi\u00admir Pu\u200btin')).toBe('Vladimir Putin');
    expect(stripInvisible('evil\u202Etxt.exe \u2066x\u2069 \u200Fy\u200E \u061Cz')).toBe('eviltxt.exe x y z');
    expect(stripInvisible('10\u00a0km\u202fwide')).toBe('10 km wide');
    expect(stripInvisible('日本語\u3000テキスト')).toBe('日本語\u3000テキスト');
    expect(hygiene('Kyiv&shy;&nbsp;said')).toBe('Kyiv said');
  });

  it('applies to every field of an HTML page', () => {
    const html = `<!doctype html><html><head><title>Vladi&shy;mir Putin&#8217;s &amp;quot;plan&amp;quot;</title>
      <meta name="author" content="Anna&nbsp;Kov\u202Ealenko"><meta name="description" content="A standfirst with &amp;quot;quotes&amp;quot; and a soft&shy;hyphen, long enough to keep.">
      </head><body><article><h1>Vladi&shy;mir Putin&#8217;s &amp;quot;plan&amp;quot;</h1>
      <p>Vladi&shy;mir Putin said on Tuesday that the &amp;quot;special operation&amp;quot; would go on, in a speech to officials in Moscow that lasted an hour.\u2067</p>
      <p>Western capitals answered with new sanctions, while Kyiv asked for more air defence systems before the winter and a faster delivery schedule.</p></article></body></html>`;
    const r = parseReport(html, { format: 'html', url: 'https://news.example/a', origin: { kind: 'url', url: 'https://news.example/a' }, now });
    const all = JSON.stringify([r.title, r.authors, r.standfirst, r.text]);
    expect(all).not.toMatch(/&[a-z#0-9]+;|\u00ad|\u202e|\u2067|\u00a0/);
    expect(r.title).toBe('Vladimir Putin’s "plan"');
    expect(r.authors).toEqual(['Anna Kovalenko']);
    expect(r.text).toContain('Vladimir Putin said on Tuesday that the "special operation"');
  });

  it('applies to feed fields', () => {
    const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://f.example/</link>
      <item><title>Mol&amp;shy;dova &amp;amp; the EU</title><link>https://f.example/1</link><author>x@f.example (Ion Pope&#xAD;scu)</author><category>Eu&#x200B;rope</category></item></channel></rss>`;
    const [item] = parseFeedDocument(rss, 'https://f.example/feed').items;
    expect(item).toMatchObject({ title: 'Moldova & the EU', authors: ['Ion Popescu'], tags: ['Europe'] });
  });

  it('strips bidi controls from Markdown code blocks and plain text too', () => {
    const md = '# T\n\nA paragraph long enough to be the lead of this small report.\u202E\n\n```\nrm -rf /\u202E txt\n```\n';
    const r = parseReport(md, { format: 'markdown', origin: { kind: 'file', path: '/x.md' }, now });
    expect(r.text).not.toMatch(/\u202e/i);
    const t = parseReport('Title\n\nMOSCOW (AP) \u2014 Some\u00adthing hap\u200bpened in the city on Monday, officials said, and it was reported widely.', {
      format: 'text',
      origin: { kind: 'file', path: '/x.txt' },
      now,
    });
    expect(t.text).toBe('Something happened in the city on Monday, officials said, and it was reported widely.');
    expect(t.dateline).toBe('MOSCOW (AP)');
  });
});
