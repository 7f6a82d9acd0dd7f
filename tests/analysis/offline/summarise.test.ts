import { describe, expect, it } from 'vitest';
import { OfflineAnalyzer } from '../../../src/analysis/offline/index.ts';
import { reportSentences } from '../../../src/analysis/sentences.ts';
import { reportFromText } from '../../fixtures/analysis/make-report.ts';
import { loadReport, SEED_PATH } from './helpers.ts';

const engine = new OfflineAnalyzer();
const seed = loadReport(SEED_PATH);
const METADATA = /ISSN|Authors?:|Credits|CC BY|Wikimedia|DONATE|donation|Do you like|Join us|Related Posts|Subscribe|Photo:|Tags:|Read more/i;

describe('summaries of the seed', () => {
  it('brief is two sentences, standard about five, in document order with their indices', async () => {
    const sentences = reportSentences(seed);
    for (const [length, count] of [['brief', 2], ['standard', 5]] as const) {
      const summary = await engine.summarise(seed, { length });
      expect(summary.sentences).toHaveLength(count);
      const indices = summary.sentences.map((s) => s.index);
      expect(indices).toEqual([...indices].sort((a, b) => a - b));
      for (const s of summary.sentences) expect(sentences[s.index]!.text).toBe(s.text);
      expect(summary.text).toBe(summary.sentences.map((s) => s.text).join(' '));
      expect(summary).toMatchObject({ reportId: seed.id, length, engine: { engine: 'offline', version: engine.version } });
    }
  });

  it('opens with the lead and uses the author’s own "In summary" paragraph', async () => {
    const brief = await engine.summarise(seed, { length: 'brief' });
    expect(brief.sentences[0]!.text).toMatch(/^Chinese Minister of Defence Li Shangfu will visit Russia and Belarus/);
    expect(brief.sentences[1]!.text).toMatch(/^In summary/);
  });

  it('detailed takes one or two sentences per section, in section order', async () => {
    const detailed = await engine.summarise(seed, { length: 'detailed' });
    const sentences = reportSentences(seed);
    const perSection = new Map<number, number>();
    for (const s of detailed.sentences) perSection.set(sentences[s.index]!.section, (perSection.get(sentences[s.index]!.section) ?? 0) + 1);
    expect([...perSection.keys()]).toEqual([0, 1, 2]);
    for (const n of perSection.values()) expect(n).toBeGreaterThanOrEqual(1);
    for (const n of perSection.values()) expect(n).toBeLessThanOrEqual(2);
  });

  it('never includes metadata or boilerplate, and is deterministic', async () => {
    for (const length of ['brief', 'standard', 'detailed'] as const) {
      const a = await engine.summarise(seed, { length });
      const b = await engine.summarise(seed, { length });
      expect(a).toEqual(b);
      for (const s of a.sentences) expect(s.text).not.toMatch(METADATA);
    }
  });

  it('avoids redundant sentences (MMR)', async () => {
    const report = reportFromText(
      'dup',
      'Sanctions\n\nThe EU imposed new sanctions on Russia over the war in Ukraine. ' +
        'The EU imposed new sanctions on Russia over the war in Ukraine on Monday. ' +
        'Oil exports from Russia to India rose sharply in the same period. ' +
        'China increased purchases of Russian gas through the Power of Siberia pipeline.',
    );
    const brief = await engine.summarise(report, { length: 'brief' });
    expect(brief.sentences.map((s) => s.index)).not.toEqual([0, 1]);
  });
});

describe('author signals in other styles', () => {
  it('prefers a "Key Judgements" section when there is one', async () => {
    const sahel = loadReport('tests/fixtures/analysis/sahel-juntas-wagner.txt');
    const brief = await engine.summarise(sahel, { length: 'brief' });
    const sentences = reportSentences(sahel);
    for (const s of brief.sentences) expect(sentences[s.index]!.heading).toBe('Key Judgements');
  });

  it('uses the standfirst as a guide', async () => {
    const body =
      'Context\n\nThe harbour was built in 1910 by colonial engineers. Fishing fleets used it for decades. ' +
      'Tourism grew slowly after the war. Local markets sell fish every morning.\n\n' +
      'Now\n\nThe navy of Ruritania plans to turn the harbour into a submarine base. ' +
      'Officials say construction begins next year. Fishermen fear they will lose access.';
    const report = reportFromText('std', `Harbour\n\n${body}`, { standfirst: 'Ruritania’s navy wants a submarine base in the harbour.' });
    const brief = await engine.summarise(report, { length: 'brief' });
    expect(brief.text).toMatch(/submarine base/);
  });
});

describe('adversarial input', () => {
  it('handles text with no punctuation, lists only, one giant paragraph and non-English text', async () => {
    const noPunct = reportFromText('np', `T\n\n${Array.from({ length: 400 }, (_, i) => `word${i % 50} talks`).join(' ')}`);
    expect((await engine.summarise(noPunct, { length: 'brief' })).sentences.length).toBeGreaterThan(0);

    const listOnly = reportFromText('list', 'Key points\n\n- Russia moves troops to the border\n- Ukraine asks for air defence\n- NATO meets on Friday\n- Oil prices rise');
    const listSummary = await engine.summarise(listOnly, { length: 'standard' });
    expect(listSummary.sentences.length).toBeGreaterThan(0);
    expect(listSummary.sentences.every((s) => !s.text.startsWith('-'))).toBe(true);

    const topics = ['grain exports', 'naval drills', 'border talks', 'gas prices', 'drone strikes', 'election fraud', 'refugee flows', 'cyber attacks'];
    const places = ['Odesa', 'Taipei', 'Tbilisi', 'Niamey', 'Riga', 'Caracas', 'Aden'];
    const giant = reportFromText(
      'g',
      `T\n\n${Array.from({ length: 300 }, (_, i) => `Reports from ${places[i % 7]} on day ${i} described ${topics[i % 8]} and ${topics[(i * 3 + 1) % 8]}.`).join(' ')}`,
    );
    expect((await engine.summarise(giant, { length: 'standard' })).sentences).toHaveLength(5);

    const german = reportFromText('de', 'Titel\n\nDie Bundesregierung hat neue Sanktionen beschlossen. Der Kanzler sprach in Berlin. Die Opposition kritisierte die Entscheidung scharf.');
    expect((await engine.summarise(german, { length: 'brief' })).sentences).toHaveLength(2);

    const chinese = reportFromText('zh', '标题\n\n中国国防部长访问俄罗斯和白俄罗斯。他将在莫斯科国际安全会议上发表讲话。双方讨论了军事合作。');
    expect((await engine.summarise(chinese, { length: 'brief' })).sentences).toHaveLength(2);
  });

  it('returns an empty summary for an empty report', async () => {
    const empty = reportFromText('empty', 'Just a title');
    const summary = await engine.summarise(empty, { length: 'brief' });
    expect(summary.sentences).toEqual([]);
    expect(summary.text).toBe('');
    expect((await engine.actors(empty)).actors).toEqual([]);
  });

  it('finishes a 200,000-word input in bounded time and memory', async () => {
    const paragraph =
      'Russian forces advanced near Avdiivka as Ukrainian troops withdrew to new lines. ' +
      'NATO ministers met in Brussels to discuss ammunition supplies. ' +
      'China called for talks while buying more Russian oil. ';
    const words = paragraph.split(' ').length;
    const paragraphs = Array.from({ length: Math.ceil(200_000 / words) }, (_, i) => `${paragraph}Item ${i} closes the paragraph.`);
    const big = reportFromText('big', `Big\n\n${paragraphs.join('\n\n')}`);
    const before = process.memoryUsage().heapUsed;
    const summary = await engine.summarise(big, { length: 'standard' });
    const actors = await engine.actors(big);
    // Only four distinct sentences exist; near-duplicates are never repeated.
    expect(summary.sentences.length).toBeGreaterThanOrEqual(3);
    expect(new Set(summary.sentences.map((s) => s.text.replace(/\d+/g, ''))).size).toBe(summary.sentences.length);
    expect(actors.actors.map((a) => a.name)).toEqual(expect.arrayContaining(['Russia', 'Ukraine', 'NATO', 'China']));
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(1_500_000_000);
  });
});
