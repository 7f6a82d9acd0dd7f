import { describe, expect, it } from 'vitest';
import { flattenMarkdown, renderCard, renderReply } from '../../src/terminal/render.ts';

describe('renderReply', () => {
  it('prints content, then each card as a titled block with fields and footer', () => {
    const text = renderReply({
      content: 'Two reports:',
      cards: [
        {
          author: 'SpecialEurasia',
          title: 'China and Russia',
          url: 'https://example.org/a',
          description: 'Lead paragraph.',
          fields: [
            { name: 'Author', value: 'Guido Keller' },
            { name: 'Actors', value: 'China\nRussia' },
          ],
          footer: 'Report id: a',
        },
        { title: 'Second' },
      ],
    });
    expect(text).toBe(
      [
        'Two reports:',
        '',
        'SpecialEurasia',
        'China and Russia',
        '────────────────',
        'https://example.org/a',
        '',
        'Lead paragraph.',
        '',
        'Author: Guido Keller',
        'Actors:',
        '  China',
        '  Russia',
        '',
        '— Report id: a',
        '',
        'Second',
        '──────',
      ].join('\n'),
    );
  });

  it('renders a card without title or fields', () => {
    expect(renderCard({ description: 'Only text' })).toBe('\nOnly text');
  });
});

describe('flattenMarkdown', () => {
  it('turns links, bold and channel mentions into plain text', () => {
    expect(flattenMarkdown('**Bold** [Title](https://x.example/a) in <#terminal> \\*literal\\*')).toBe(
      'Bold Title <https://x.example/a> in #terminal *literal*',
    );
  });

  it('leaves asterisks that are not emphasis alone', () => {
    expect(flattenMarkdown('Cron "0 7 * * 1-5" and 2 * 3 * 4, but *this* is emphasis')).toBe('Cron "0 7 * * 1-5" and 2 * 3 * 4, but this is emphasis');
  });
});
