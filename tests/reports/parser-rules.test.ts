import { describe, expect, it } from 'vitest';
import { splitNames } from '../../src/reports/parsers/blocks.ts';
import { bylineNames } from '../../src/reports/parsers/html-authors.ts';
import { dropArticleHeader } from '../../src/reports/parsers/html-lead.ts';
import { chooseTitle, siteMatcher } from '../../src/reports/parsers/html-title.ts';
import { cleanAuthorNames } from '../../src/reports/parsers/names.ts';
import { dayFirstNumericDate, findDateIn, localisedDate } from '../../src/reports/parsers/dates.ts';
import { parseDate } from '../../src/reports/parsers/blocks.ts';
import { parseHtml } from '../../src/reports/parsers/html.ts';

/** The general rules behind the page fixtures, one at a time, on inputs of their own. */

describe('byline names', () => {
  it.each([
    ['Von Katrin Weißenborn und Jörg Albers', ['Katrin Weißenborn', 'Jörg Albers']],
    ['Par Amadou Diallo et Claire Fontaine', ['Amadou Diallo', 'Claire Fontaine']],
    ['Por Ana Ruiz y Luis Gómez', ['Ana Ruiz', 'Luis Gómez']],
    ['Door Sanne de Vries en Piet Jansen', ['Sanne de Vries', 'Piet Jansen']],
  ])('"and" in other languages: %j', (byline, names) => {
    expect(cleanAuthorNames(bylineNames(byline))).toEqual(names);
  });

  it('keeps double surnames joined by a conjunction whole', () => {
    expect(splitNames('Santiago Ramón y Cajal')).toEqual(['Santiago Ramón y Cajal']);
    expect(splitNames('Jordi Pujol i Soley')).toEqual(['Jordi Pujol i Soley']);
    expect(splitNames('José Ortega y gasset')).toEqual(['José Ortega y gasset']);
  });

  it('keeps a name that begins with a word like "Le" or "El" in a list', () => {
    expect(bylineNames('By Le Thi Hong and El Hadji Ndiaye')).toEqual(['Le Thi Hong', 'El Hadji Ndiaye']);
  });

  it('cuts the date and the "Updated" label that follow the names without a separator', () => {
    expect(cleanAuthorNames(bylineNames('Jana Novak 12.03.2024, 14:05 Uhr'))).toEqual(['Jana Novak']);
    expect(cleanAuthorNames(bylineNames('이서연 기자 입력 2024.03.05 10:20'))).toEqual(['이서연']);
    expect(cleanAuthorNames(bylineNames('By ANN LEE and TOM PARK Associated Press Updated May 19, 2024 11:02 AM'))).toEqual(['Ann Lee', 'Tom Park']);
  });

  it('keeps editors, reviewers and photographers out, and a place after a comma', () => {
    expect(cleanAuthorNames(bylineNames('Written by Nisha Kapoor | Edited by Arun Mehta'))).toEqual(['Nisha Kapoor']);
    expect(cleanAuthorNames(bylineNames('By Jana Novak; photos by Tom Berg'))).toEqual(['Jana Novak']);
    expect(cleanAuthorNames(bylineNames('Von Anna Schmidt, Berlin'))).toEqual(['Anna Schmidt']);
    expect(cleanAuthorNames(bylineNames('Par Yann Le Bihan - Le Phare Breton'))).toEqual(['Yann Le Bihan', 'Le Phare Breton']);
  });

  it('refuses desks, services and agency placeholders', () => {
    expect(cleanAuthorNames(bylineNames('By Express News Service'))).toEqual([]);
    expect(cleanAuthorNames(bylineNames('Redacción / Agencias'))).toEqual([]);
  });

  it('drops the organisations listed after each writer', () => {
    expect(bylineNames('By Maya Torres, The Harbour Post, and Ben Ashby, Open Data Lab')).toEqual(['Maya Torres', 'Ben Ashby']);
  });

  it('refuses placeholders named after the paper, and Japanese bureau prefixes and labels', () => {
    expect(cleanAuthorNames(['Courier Staff', 'Editorial Team', 'Times Newsroom', 'Redação', 'Contributors to Openwiki projects'])).toEqual([]);
    expect(cleanAuthorNames(['大阪支局　山本 太郎 記者', '投稿者：佐藤 花子', 'بقلم: سارة الحسن'])).toEqual(['山本 太郎', '佐藤 花子', 'سارة الحسن']);
  });
});

describe('site names', () => {
  it('knows a site by its capital initials, not by any short word', () => {
    const isSite = siteMatcher(['Polar Affairs Quarterly', 'International Institute for Strategic Studies'], 'https://example.org/a');
    expect(isSite('PAQ')).toBe(true);
    expect(isSite('IISS')).toBe(true);
    expect(isSite('Paq')).toBe(false);
    expect(isSite('NATO')).toBe(false);
  });
});

describe('titles', () => {
  const base = { metaTitles: [], siteNames: [], otherNames: [], pageUrl: 'https://news.example/a/b' };

  it('keeps a headline that begins with the host name', () => {
    expect(chooseTitle({ ...base, pageUrl: 'https://council.example/a', documentTitle: 'Council meets for six hours' }, ['Council meets for six hours'])).toBe(
      'Council meets for six hours',
    );
  });

  it('strips a site name after the last separator, keeping the headline before it', () => {
    expect(chooseTitle({ ...base, documentTitle: 'Ports reopen after the storm - Harbour Times', siteNames: ['Harbour Times'] }, [])).toBe(
      'Ports reopen after the storm',
    );
    expect(chooseTitle({ ...base, documentTitle: 'Harbour Times | Ports reopen after the storm', siteNames: ['Harbour Times'] }, [])).toBe(
      'Ports reopen after the storm',
    );
  });

  it('splits on the fullwidth bar of Japanese titles', () => {
    expect(chooseTitle({ ...base, metaTitles: ['港湾の再開が遅れる｜みなと通信'], siteNames: ['みなと通信'] }, [])).toBe('港湾の再開が遅れる');
  });

  it('takes the heading that equals one part of an unmarked <title>', () => {
    expect(chooseTitle({ ...base, documentTitle: 'Ports reopen after the storm | Coastal Research Unit Blog' }, ['Ports reopen after the storm'])).toBe(
      'Ports reopen after the storm',
    );
  });

  it('does not take a one-word section heading for a part of <title>', () => {
    expect(chooseTitle({ ...base, documentTitle: 'World | Coastal Research Unit Blog' }, ['World'])).toBe('World | Coastal Research Unit Blog');
  });
});

describe('main headings', () => {
  it('reads a heading without its nested kicker, and keeps a heading that is all "kicker" markup', async () => {
    const { mainHeadings } = await import('../../src/reports/parsers/html-title.ts');
    const { parseDocument } = await import('../../src/reports/parsers/dom.ts');
    expect(mainHeadings(parseDocument('<h1><span class="kicker">Exclusive</span>Shipyard sale blocked</h1>'))).toEqual(['Shipyard sale blocked']);
    expect(mainHeadings(parseDocument('<h1><span class="label-title">Shipyard sale blocked</span></h1>'))).toEqual(['Shipyard sale blocked']);
    expect(mainHeadings(parseDocument('<h1>Shipyard<em>sale</em>blocked</h1>'))).toEqual(['Shipyard sale blocked']);
  });
});

describe('dates', () => {
  it.each([
    ['5 марта 2024', '2024-03-05'],
    ['18 Nisan 2024 14:05', '2024-04-18'],
    ['12 Aralık 2023', '2023-12-12'],
  ])('reads %j', (printed, day) => {
    expect(localisedDate(printed)?.slice(0, 10)).toBe(day);
  });

  it('reads an Arabic month name', () => {
    expect(localisedDate('12 مارس 2024')?.slice(0, 10)).toBe('2024-03-12');
  });

  it('settles an all-numeric date by the page language only when the language says so', () => {
    expect(dayFirstNumericDate('03/12/2024 à 17h45', 'fr-FR')?.slice(0, 10)).toBe('2024-12-03');
    expect(dayFirstNumericDate('03/12/2024', 'en-GB')?.slice(0, 10)).toBe('2024-12-03');
    expect(dayFirstNumericDate('03/12/2024', 'en-US')).toBeUndefined();
    expect(dayFirstNumericDate('03/12/2024', 'en')).toBeUndefined();
    expect(dayFirstNumericDate('03/12/2024', undefined)).toBeUndefined();
    expect(dayFirstNumericDate('31/02/2024', 'de')).toBeUndefined();
  });

  it('finds a localised date inside a source line', () => {
    expect(findDateIn('Publicado em 21 de novembro de 2024, às 19h40', parseDate)?.iso.slice(0, 10)).toBe('2024-11-21');
  });
});

describe('article header above the lead', () => {
  const facts = { title: 'Ports reopen after the storm', authors: ['Jana Novak'], descriptions: [], isSite: (t: string) => t === 'Harbour Times' };
  const p = (text: string) => ({ kind: 'paragraph' as const, text });
  const body = 'The two container ports on the north coast reopened on Tuesday, three days after the storm flooded their quays and cut power to the cranes.';

  it('drops kicker, headline, subtitle, byline and date line, and hands back the subtitle', () => {
    const out = dropArticleHeader(
      [
        p('Business'),
        { kind: 'heading', text: 'Ports reopen after the storm' },
        p('Shipping lines expect delays into next week'),
        p('By Jana Novak'),
        p('Published 3 March 2024'),
        p(body),
      ],
      facts,
    );
    expect(out.blocks).toEqual([p(body)]);
    expect(out.subtitle).toBe('Shipping lines expect delays into next week');
  });

  it('keeps a short opening that no byline or date follows', () => {
    const blocks = [p('Shipping lines expect delays into next week'), p(body)];
    expect(dropArticleHeader(blocks, facts).blocks).toEqual(blocks);
  });

  it('drops an "Authors" section that lists the writers', () => {
    const out = dropArticleHeader(
      [p(body), { kind: 'heading', text: 'About the author' }, p('Jana Novak is a senior correspondent.'), { kind: 'heading', text: 'Outlook' }, p(body)],
      facts,
    );
    expect(out.blocks.map((b) => b.text)).toEqual([body, 'Outlook', body]);
  });

  it('keeps a short lead that opens with a date', () => {
    const blocks = [p('On 3 March 2024, the harbour master resigned.'), p(body)];
    expect(dropArticleHeader(blocks, facts).blocks).toEqual(blocks);
  });

  it('never leaves a page without text', () => {
    const blocks = [p('By Jana Novak'), p('Published 3 March 2024')];
    expect(dropArticleHeader(blocks, facts).blocks).toEqual(blocks);
  });
});

describe('pages', () => {
  const page = (head: string, body: string) =>
    `<!doctype html><html><head>${head}</head><body><main><article>${body}<p>${'The council met for six hours and agreed on nothing but the date of the next meeting, which is in May. '.repeat(4)}</p></article></main></body></html>`;

  it('reads an RDFa date on any element', () => {
    const { meta } = parseHtml(
      page('<title>Council meets</title>', '<h1>Council meets</h1><span property="dc:date dc:created" content="2019-05-14T09:00:00+02:00"></span>'),
      'https://council.example/news/council-meets',
    );
    expect(meta.publishedAt?.slice(0, 10)).toBe('2019-05-14');
  });

  it('gives a desk byline no author on a page', () => {
    const { meta } = parseHtml(
      page('<title>Council meets</title>', '<h1>Council meets</h1><div class="byline">By Metro Desk</div>'),
      'https://council.example/news/council-meets',
    );
    expect(meta.authors ?? []).toEqual([]);
  });

  it('takes no date from an infobox under the headline', () => {
    const { meta } = parseHtml(
      page(
        '<title>Battle of the Pass</title>',
        '<h1>Battle of the Pass</h1><table class="infobox"><tr><th>Date</th><td>3 June 1921</td></tr><tr><th>Place</th><td>Velmora</td></tr></table>',
      ),
      'https://wiki.example/wiki/Battle_of_the_Pass',
    );
    expect(meta.publishedAt).toBeUndefined();
  });

  it("takes no date from an event page's when-and-where box", () => {
    const { meta } = parseHtml(
      page(
        '<title>Webinar: cables</title>',
        '<h1>Webinar: cables</h1><dl><dt>Date:</dt><dd>12 May 2025</dd><dt>Location:</dt><dd>Online</dd></dl><div class="event-date">12 May 2025</div>',
      ),
      'https://institute.example/events/cables',
    );
    expect(meta.publishedAt).toBeUndefined();
  });

  it('reads every name part of a byline', () => {
    const { meta } = parseHtml(
      page(
        '<title>Council meets</title>',
        '<h1>Council meets</h1><div class="byline">Opinion by <span class="name">Ann Lee</span> and <span class="name">Tom Park</span></div>',
      ),
      'https://council.example/news/council-meets',
    );
    expect(meta.authors).toEqual(['Ann Lee', 'Tom Park']);
  });

  it.each([
    ['Von Anna Schmidt und Jörg Albers', ['Anna Schmidt', 'Jörg Albers']],
    ['Par Claire Dubois', ['Claire Dubois']],
    ['Door Sanne de Vries | 12 maart 2024', ['Sanne de Vries']],
  ])('reads an unmarked written-by line of another language under the headline: %j', (line, names) => {
    const { meta } = parseHtml(
      page('<title>Council meets for six hours</title>', `<h1>Council meets for six hours</h1><p class="x">${line}</p>`),
      'https://council.example/news/council-meets',
    );
    expect(meta.authors).toEqual(names);
  });

  it('does not read "Par exemple" or "Von Berlin aus" as a byline', () => {
    for (const line of ['Par exemple, le conseil a voté.', 'Von Berlin aus fährt der Zug weiter.']) {
      const { meta } = parseHtml(
        page('<title>Council meets for six hours</title>', `<h1>Council meets for six hours</h1><p class="x">${line}</p>`),
        'https://council.example/news/council-meets',
      );
      expect(meta.authors ?? []).toEqual([]);
    }
  });

  it('reads a small details table under the headline', () => {
    const { meta } = parseHtml(
      page('<title>Annual report 2023</title>', '<h1>Annual report 2023</h1><table><tr><th>Date of publication:</th><td>19/03/2024</td></tr></table>'),
      'https://agency.example/publications/annual-report',
    );
    expect(meta.publishedAt?.slice(0, 10)).toBe('2024-03-19');
  });

  it('gives a page with only dated comments no date', () => {
    const { meta } = parseHtml(
      page(
        '<title>Council meets</title>',
        '<h1>Council meets</h1><section id="comments"><div class="comment"><time datetime="2024-03-02">March 2, 2024</time><p>Thanks.</p></div></section>',
      ),
      'https://council.example/news/council-meets',
    );
    expect(meta.publishedAt).toBeUndefined();
  });
});

describe('hostile input', () => {
  it('parses huge author metadata and titles without a crash', () => {
    const names = Array.from({ length: 5000 }, (_v, i) => `Ana${i} Ruiz y Luis${i} Gómez`).join(' y ');
    const title = Array.from({ length: 5000 }, () => 'Ports reopen').join(' | ');
    const { meta } = parseHtml(
      `<html><head><title>${title}</title><meta name="author" content="${names}"></head><body><h1>Ports reopen</h1><p>${'Text. '.repeat(100)}</p></body></html>`,
      'https://x.example/a',
    );
    expect(typeof meta.title).toBe('string');
    expect((meta.authors ?? []).every((n) => n.length < 80)).toBe(true);
  });
});
