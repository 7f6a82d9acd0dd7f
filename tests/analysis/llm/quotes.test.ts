import { describe, expect, it } from 'vitest';
import { normalise, QuoteIndex } from '../../../src/analysis/llm/quotes.ts';

const source =
  'On August 14th, 2023, Chinese Minister of Defence Li Shangfu started his official visit to Russia and Belarus.\n' +
  'The conference fosters dialogue, creating a platform for a “Unified World – Shared Security” discourse. ' +
  'China’s interest in   exploring possible avenues of partnership… remains.';

describe('quote normalisation', () => {
  it('folds typography, case and whitespace and keeps offsets into the original', () => {
    const n = normalise('A  “Quote” – here’s\n\nit…');
    expect(n.text).toBe('a"quote"-here\'s it...');
    expect(n.offsets).toHaveLength(n.text.length);
    expect('A  “Quote” – here’s\n\nit…'[n.offsets[n.text.indexOf('here')]!]).toBe('h');
  });
});

describe('QuoteIndex', () => {
  const index = new QuoteIndex(source);

  it('finds verbatim quotes and returns their original span', () => {
    const quote = 'Chinese Minister of Defence Li Shangfu started his official visit';
    const match = index.find(quote)!;
    expect(source.slice(match.start, match.end)).toBe(quote);
  });

  it('accepts straight quotes, hyphens, dots, other case and re-flowed whitespace for their typographic twins', () => {
    expect(index.find('a platform for a "Unified World - Shared Security" discourse')).toBeDefined();
    expect(index.find("CHINA'S INTEREST IN EXPLORING possible avenues of partnership... remains.")).toBeDefined();
    expect(index.find('“official visit to Russia and\nBelarus.”')).toBeDefined();
  });

  it("accepts French spacing inside guillemets and before punctuation for a model's plain spacing", () => {
    const french = new QuoteIndex('Le président a salué « un jour historique » : la fin de l’attente ? Sans doute.');
    expect(french.find('a salué "un jour historique": la fin de l\'attente?')).toBeDefined();
    expect(french.find('a salué "un jour tragique": la fin')).toBeUndefined();
  });

  it('accepts quotes that elide words with an ellipsis, in order only', () => {
    expect(index.find('On August 14th, 2023 ... started his official visit')).toBeDefined();
    expect(index.find('started his official visit ... On August 14th, 2023')).toBeUndefined();
  });

  it('rejects fabricated, altered and trivially short quotes', () => {
    expect(index.find('Chinese Minister of Defence Li Shangfu cancelled his official visit')).toBeUndefined();
    expect(index.find('The parties signed a secret protocol on lunar bases.')).toBeUndefined();
    expect(index.find('China')).toBeUndefined();
    expect(index.find('')).toBeUndefined();
    expect(index.find(null)).toBeUndefined();
  });

  it('counts whole-word occurrences only', () => {
    const text = new QuoteIndex('China and Chinese officials; China’s role. Indochina is elsewhere. CHINA!');
    expect(text.occurrences('China')).toHaveLength(3);
    expect(text.occurrences('Chinese')).toHaveLength(1);
  });
});
