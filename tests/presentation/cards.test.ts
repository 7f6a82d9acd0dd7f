import { describe, expect, it } from 'vitest';
import { engineFooter } from '../../src/presentation/analysis.ts';
import { reportCard, reportDateLabel, reportLead } from '../../src/presentation/reports.ts';
import { trimText } from '../../src/presentation/text.ts';
import type { Report } from '../../src/reports/types.ts';

describe('engineFooter', () => {
  it('names the engine, the model and a fallback with its reason, not the cache version', () => {
    expect(engineFooter({ engine: 'offline', version: 's1' })).toBe('Engine: offline (extractive)');
    expect(engineFooter({ engine: 'llm', model: 'qwen2.5:7b', version: 'p3' })).toBe('Engine: LLM · model qwen2.5:7b');
    expect(engineFooter({ engine: 'offline', version: 's1', fallback: { from: 'llm', reason: 'timed out after 60 s' } }, 'gpt-4o-mini')).toBe(
      'Engine: offline (extractive) · fell back from LLM (gpt-4o-mini): timed out after 60 s',
    );
    expect(engineFooter({ engine: 'llm', model: 'm', version: 'p3', unsupported: 2 })).toBe('Engine: LLM · model m · 2 unsupported points dropped');
  });
});

describe('reportLead', () => {
  const base = { sections: [], text: '' } as unknown as Report;
  it('prefers the standfirst, else the first paragraph', () => {
    expect(reportLead({ ...base, standfirst: 'Dek.', sections: [{ heading: null, paragraphs: ['First.'] }] })).toBe('Dek.');
    expect(
      reportLead({
        ...base,
        sections: [
          { heading: null, paragraphs: ['', 'First para.'] },
          { heading: 'B', paragraphs: ['Second.'] },
        ],
      }),
    ).toBe('First para.');
    expect(reportLead({ ...base, text: '\n\nOnly text here.\n\nMore.' })).toBe('Only text here.');
    expect(reportLead(base)).toBeUndefined();
  });
});

describe('trimText', () => {
  it('cuts at a sentence end when one is near, else at a word with an ellipsis', () => {
    expect(trimText('One two three. Four five six seven eight.', 20)).toBe('One two three.');
    expect(trimText('Alpha beta gamma delta epsilon zeta', 20)).toBe('Alpha beta gamma…');
    expect(trimText('short', 20)).toBe('short');
  });
});

describe('report cards', () => {
  const report = {
    id: 'r1',
    title: 'Rapport sur le Sahel',
    source: 'Le Monde',
    url: 'https://example.org/r1',
    authors: [],
    tags: [],
    regions: ['Sahel'],
    sections: [],
    text: 'Le Mali et le Niger.',
    contentHash: 'h',
    ingestedAt: '2026-11-27T08:00:00Z',
    updatedAt: '2026-11-27T08:00:00Z',
    origin: { kind: 'url', url: 'https://example.org/r1' },
  } satisfies Report;

  it('shows an undated report as undated with the day it was added, and a non-English one with its language', () => {
    const card = reportCard({ ...report, language: 'fr' } as Report);
    expect(card.fields!.find((f) => f.name === 'Published')!.value).toBe('undated, added 27 Nov 2026');
    expect(card.fields!.find((f) => f.name === 'Language')!.value).toBe('French (fr)');
    expect(card.timestamp).toBeUndefined();
    const english = reportCard({ ...report, language: 'en', publishedAt: '2026-11-20' } as Report);
    expect(english.fields!.find((f) => f.name === 'Published')!.value).toBe('20 Nov 2026');
    expect(english.fields!.some((f) => f.name === 'Language')).toBe(false);
    expect(reportDateLabel(report, 'Pacific/Auckland')).toBe('undated, added 27 Nov 2026');
  });
});
