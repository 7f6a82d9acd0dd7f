import { describe, expect, it } from 'vitest';
import { menuMessageText } from '../../src/discord/interactions.ts';
import { linksIn } from '../../commands/_shared/articles.ts';

describe('a message menu’s target message as the command’s input', () => {
  it('gives the text, then the links of its embeds, so a link only in an embed is found', () => {
    const text = menuMessageText({ content: 'look', embeds: [{ url: 'https://news.example/a', description: 'more at https://news.example/b' }] } as never);
    expect(text).toBe('look\nhttps://news.example/a\nmore at https://news.example/b');
    expect(linksIn(text)).toEqual(['https://news.example/a', 'https://news.example/b']);
  });

  it('stays within the option’s 6000 characters whatever the message holds', () => {
    expect(menuMessageText({ content: 'x'.repeat(9000), embeds: [] } as never)).toHaveLength(6000);
    expect(menuMessageText({ content: '', embeds: [] } as never)).toBe('');
  });
});
