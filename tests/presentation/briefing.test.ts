import { describe, expect, it } from 'vitest';
import { buildBriefing } from '../../src/briefings/compose.ts';
import { DETAILED_ITEMS, presentBriefing } from '../../src/presentation/briefing.ts';
import type { BriefingItem } from '../../src/briefings/types.ts';
import { makeReport } from '../briefings/support/harness.ts';

function items(n: number): BriefingItem[] {
  return Array.from({ length: n }, (_, i) => {
    const report = makeReport(`r${i}`, { title: `Report [${i}]`, authors: ['A. Author'], regions: ['Europe'] });
    const text = `Summary ${i}. Second sentence.`;
    return {
      report,
      summary: {
        reportId: report.id,
        length: 'brief',
        sentences: [
          { text: `Summary ${i}.`, index: 0 },
          { text: 'Second sentence.', index: 1 },
        ],
        text,
        engine: { engine: 'offline', version: 't' },
      },
      actors: [
        { name: 'China', type: 'state', role: undefined, mentions: 4, aliases: [], evidence: '', score: 5 },
        { name: 'Li Shangfu', type: 'person', role: 'Minister of Defence', affiliation: 'China', mentions: 2, aliases: [], evidence: '', score: 4 },
      ],
    } satisfies BriefingItem;
  });
}

const at = new Date('2026-11-27T06:30:00Z');

describe('presentBriefing', () => {
  it('40 reports: header, the first detailed cards, then "and N more" with links', () => {
    const reply = presentBriefing(buildBriefing(items(40), { at, timezone: 'Europe/Rome', format: 'full' }));
    const cards = reply.cards!;
    expect(cards[0]!.title).toBe('Sitrep briefing — Friday 27 November 2026');
    expect(cards[0]!.description).toBe('40 new reports, most relevant first.');
    expect(cards[0]!.fields![0]!.value).toBe('China (40 reports) · Li Shangfu (40 reports)');
    expect(cards).toHaveLength(1 + DETAILED_ITEMS.full + 1);
    const overflow = cards.at(-1)!;
    expect(overflow.title).toBe(`And ${40 - DETAILED_ITEMS.full} more`);
    // One menu opens any report's summary (at most 25 options, as Discord allows).
    expect(reply.actions).toEqual([expect.objectContaining({ kind: 'menu', action: 'summary', args: [] })]);
    const menu = reply.actions![0] as Extract<NonNullable<typeof reply.actions>[number], { kind: 'menu' }>;
    expect(menu.options).toHaveLength(25);
    expect(menu.options[0]).toEqual({ label: 'Report [0]', value: 'r0', description: 'SpecialEurasia, undated, added 27 Nov 2026' });
    // Typed links, not Markdown inside the text: the renderer builds the links.
    expect(overflow.description).toBeUndefined();
    expect(overflow.links).toHaveLength(40 - DETAILED_ITEMS.full);
    expect(overflow.links![0]).toEqual({
      title: `Report [${DETAILED_ITEMS.full}]`,
      url: `https://example.org/r${DETAILED_ITEMS.full}`,
      note: 'SpecialEurasia, undated, added 27 Nov 2026',
    });
  });

  it('full cards carry the summary, key actors with roles, authors and regions; compact ones fewer fields', () => {
    const [full] = presentBriefing(buildBriefing(items(1), { at, timezone: 'UTC', format: 'full' })).cards!.slice(1);
    expect(full!.url).toBe('https://example.org/r0');
    expect(full!.description).toBe('Summary 0. Second sentence.');
    expect(full!.fields!.map((f) => f.name)).toEqual(['Key actors', 'Authors', 'Regions']);
    expect(full!.fields![0]!.value).toBe('China (state)\nLi Shangfu (Minister of Defence, China)');
    const [compact] = presentBriefing(buildBriefing(items(1), { at, timezone: 'UTC', format: 'compact' })).cards!.slice(1);
    expect(compact!.fields).toBeUndefined();
    expect(compact!.description).toBe('Summary 0.\nActors: China, Li Shangfu');
  });

  it('no overflow card for just one report more than the detailed limit', () => {
    const cards = presentBriefing(buildBriefing(items(DETAILED_ITEMS.compact + 1), { at, timezone: 'UTC', format: 'compact' })).cards!;
    expect(cards).toHaveLength(DETAILED_ITEMS.compact + 2);
    expect(cards.some((c) => c.title?.startsWith('And '))).toBe(false);
  });

  it('an empty briefing shows its notice', () => {
    const cards = presentBriefing(buildBriefing([], { at, timezone: 'UTC', format: 'full', emptyNotice: 'No new reports.' })).cards!;
    expect(cards).toHaveLength(1);
    expect(cards[0]!.description).toBe('No new reports.');
  });
});

describe('presentBriefing header', () => {
  it('a one-report briefing names its actors without counts', () => {
    const cards = presentBriefing(buildBriefing(items(1), { at, timezone: 'UTC', format: 'full' })).cards!;
    expect(cards[0]!.fields![0]!.value).toBe('China · Li Shangfu');
    expect(cards[0]!.description).toBe('1 new report.');
  });
});
