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
    for (const [length, count] of [
      ['brief', 2],
      ['standard', 5],
    ] as const) {
      const summary = await engine.summarise(seed, { length });
      expect(summary.sentences).toHaveLength(count);
      const indices = summary.sentences.map((s) => s.index);
      expect(indices).toEqual([...indices].sort((a, b) => a - b));
      for (const s of summary.sentences) expect(sentences[s.index]!.text).toBe(s.text);
      expect(summary.text).toBe(summary.sentences.map((s) => s.text).join(' '));
      expect(summary).toMatchObject({ reportId: seed.id, length, engine: { engine: 'offline', version: engine.version } });
    }
  });

  it('uses the author’s own "In summary" paragraph and leaves out the lead it restates', async () => {
    const brief = await engine.summarise(seed, { length: 'brief' });
    expect(brief.sentences[0]!.text).toMatch(/^In summary/);
    // The lead ("Chinese Minister of Defence Li Shangfu will visit Russia and Belarus …") says the same thing.
    expect(brief.text).not.toMatch(/will visit Russia and Belarus from August/);
    const standard = await engine.summarise(seed, { length: 'standard' });
    expect(standard.sentences.some((s) => /^In summary/.test(s.text))).toBe(true);
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

    const listOnly = reportFromText(
      'list',
      'Key points\n\n- Russia moves troops to the border\n- Ukraine asks for air defence\n- NATO meets on Friday\n- Oil prices rise',
    );
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

    const german = reportFromText(
      'de',
      'Titel\n\nDie Bundesregierung hat neue Sanktionen beschlossen. Der Kanzler sprach in Berlin. Die Opposition kritisierte die Entscheidung scharf.',
    );
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

describe('grounded, readable extracts', () => {
  it('never puts two restatements of the same event in one summary', async () => {
    const report = reportFromText(
      'gunmen',
      'Attack in the north\n\n' +
        'Gunmen opened fire on a market in the northern town of Djibo on Sunday, killing at least 19 people, local officials said. ' +
        'Gunmen in military uniforms stormed the market shortly after dawn, killing at least 19 civilians and wounding dozens, according to a regional official.\n\n' +
        'The junta blamed foreign sponsors of terrorism and accused a neighbouring government of sheltering plotters. ' +
        'Aid agencies said two million people are displaced across the country.',
    );
    const brief = await engine.summarise(report, { length: 'brief' });
    expect(brief.sentences).toHaveLength(2);
    expect(brief.sentences.filter((s) => /^Gunmen/.test(s.text))).toHaveLength(1);
  });

  it('skips captions and picture credits, and drops the dateline from the sentence it opens', async () => {
    const report = reportFromText(
      'caps',
      'Talks resume\n\n' +
        'LONDON — Negotiators from both governments resumed talks on the trade agreement on Monday after a month-long pause.\n\n' +
        'A delegate arrives at the venue in central London on Monday morning (AFP via Getty Images)\n\n' +
        'Photo: Delegates arrive for the talks in London. Credit: Reuters.\n\n' +
        'The sides remain divided over fishing rights, state aid rules and the role of the court in settling disputes.',
    );
    const standard = await engine.summarise(report, { length: 'standard' });
    expect(standard.sentences[0]!.text).toMatch(/^Negotiators from both governments/);
    for (const s of standard.sentences) expect(s.text).not.toMatch(/Getty|Credit|Photo:|LONDON/);
  });

  it("passes over sentences that describe a figure or table and the authors' method or audit standards", async () => {
    const report = reportFromText(
      'exhibits',
      'Port security\n\nIntroduction\n\n' +
        "Federal agencies screen most cargo containers that arrive at the nation's seaports for radiation and contraband. " +
        'Figure 1 shows the number of containers screened at the ten largest seaports and the share of containers that were inspected by hand in each year. ' +
        'We reviewed agency documents and interviewed officials at the ten largest seaports and the customs agency about the screening of containers. ' +
        'We conducted this performance audit in accordance with generally accepted government auditing standards for containers and seaports.\n\n' +
        'Screening gaps\n\n' +
        'The customs agency has not screened containers that are moved between seaports by rail, leaving a gap that smugglers could exploit. ' +
        'Officials said new scanners would close the gap at the largest seaports by 2028 if funding is provided.',
    );
    const brief = await engine.summarise(report, { length: 'brief' });
    expect(brief.sentences).toHaveLength(2);
    for (const s of brief.sentences) expect(s.text).not.toMatch(/^Figure 1 shows|^We reviewed|auditing standards/);
    // With room for five of the six sentences, the one left out is the audit-standards boilerplate.
    const standard = await engine.summarise(report, { length: 'standard' });
    expect(standard.text).not.toMatch(/auditing standards/);
  });

  it('does not pick a sentence that leans on an unchosen predecessor', async () => {
    const report = reportFromText(
      'anaphora',
      'Budget fight\n\n' +
        'The finance ministry published its draft budget for next year on Tuesday. ' +
        'However, this plan was immediately rejected by the largest opposition party in the parliament, which called the spending cuts reckless and promised to vote against the budget.\n\n' +
        'Parliament must approve the budget by the end of December or the government falls. ' +
        'Economists expect growth of about one percent next year. ' +
        'He said the cuts would hurt pensioners and the regions most of all, and the unions announced a strike.',
    );
    for (const length of ['brief', 'standard'] as const) {
      const summary = await engine.summarise(report, { length });
      const picked = new Set(summary.sentences.map((s) => s.index));
      // "However, this plan …" only right after the sentence it answers; "He said …" has no antecedent in the text at all.
      for (const s of summary.sentences) if (/^(?:However|He)\b/.test(s.text)) expect(picked.has(s.index - 1), s.text).toBe(true);
      if (length === 'brief') expect(summary.text).not.toMatch(/He said the cuts/);
    }
  });

  it('takes the author’s key points, a "Summary:" line or a standfirst printed above the dateline', async () => {
    const keyPoints = reportFromText(
      'kp',
      'Drone wall\n\nThe three governments announced a joint border project on Thursday in the capital.\n\nKey points\n\n' +
        '- The line of sensors and drones should be complete by 2028.\n- Neighbouring states are building similar barriers.\n\n' +
        'Officials discussed the cost of the project at length. The ministers also toured a factory that builds drones for the army.',
    );
    const kp = await engine.summarise(keyPoints, { length: 'brief' });
    expect(kp.sentences.some((s) => /complete by 2028|similar barriers/.test(s.text))).toBe(true);

    const labelled = reportFromText(
      'label',
      'Council split\n\nSummary: Clashes in the port city expose the weakness of the ruling council and its foreign backers.\n\n' +
        'Fighting broke out on Monday between rival units, leaving at least 30 dead. The council chairman called the clashes a gift to the enemy. ' +
        'Shops stayed closed in the old town for a second day.',
    );
    const lb = await engine.summarise(labelled, { length: 'brief' });
    expect(lb.sentences[0]!.text).toBe('Clashes in the port city expose the weakness of the ruling council and its foreign backers.');

    const dek = reportFromText(
      'dek',
      'Dialogue reopens\n\nThe government and its northern neighbour resumed talks on sanctions and prisoners. The opposition fears being left out.\n\n' +
        'CARACAS — The president announced the release of 40 detainees on Tuesday as a goodwill gesture before a new round of negotiations. ' +
        'The foreign minister said any relief would depend on free and verifiable elections. Markets rose on the news.',
    );
    const dk = await engine.summarise(dek, { length: 'brief' });
    expect(dk.sentences.map((s) => s.index)).toEqual([0, 1]);
  });
});
