import { describe, expect, it } from 'vitest';
import { extractActors } from '../../../src/analysis/offline/actors.ts';
import { OfflineAnalyzer } from '../../../src/analysis/offline/index.ts';
import type { Actor } from '../../../src/analysis/types.ts';
import { reportFromText } from '../../fixtures/analysis/make-report.ts';
import { loadLabels, loadReport, SEED_PATH } from './helpers.ts';

const byName = (actors: Actor[]) => new Map(actors.map((a) => [a.name, a]));

describe('actors on the seed report', () => {
  const seed = loadReport(SEED_PATH);
  const actors = extractActors(seed);
  const found = byName(actors);

  it('finds every principal actor in the top ten with the right type', () => {
    const top = actors.slice(0, 10).map((a) => a.name);
    for (const label of loadLabels('specialeurasia-china-russia-belarus-defence-2023').principal) {
      expect(top, label.name).toContain(label.name);
      expect(found.get(label.name)!.type, label.name).toBe(label.type);
    }
  });

  it('reads roles and affiliations from titles and appositives', () => {
    expect(found.get('Li Shangfu')).toMatchObject({ role: 'Minister of Defence', affiliation: 'China' });
    expect(found.get('Sergei Shoigu')).toMatchObject({ role: 'Minister of Defence', affiliation: 'Russia' });
    expect(found.get('Viktor Khrenin')).toMatchObject({ role: 'Minister of Defence', affiliation: 'Belarus' });
    expect(found.get('Alexander Lukashenko')).toMatchObject({ role: 'President', affiliation: 'Belarus' });
  });

  it('merges demonyms, capitals, official names and the misspelt "Minks" into one actor each', () => {
    expect(found.get('Belarus')!.aliases).toEqual(expect.arrayContaining(['Belarus', 'Belarusian', 'Minsk', 'Minks']));
    expect(found.get('China')!.aliases).toEqual(expect.arrayContaining(['China', 'Chinese', 'Beijing']));
    expect(found.get('China')!.aliases.some((a) => /People.s Republic of China/.test(a))).toBe(true);
    expect(found.get('Russia')!.aliases).toEqual(expect.arrayContaining(['Russia', 'Moscow', 'Russian Federation']));
    expect(found.get('United States')!.aliases).toContain('Washington');
    expect(found.get('European Union')!.aliases).toEqual(expect.arrayContaining(['European Union', 'Brussels']));
    expect(found.get('Iran')!.aliases).toContain('Islamic Republic of Iran');
  });

  it('has no false people: not the author, not headings, events or initiatives', () => {
    const people = actors
      .filter((a) => a.type === 'person')
      .map((a) => a.name)
      .sort();
    expect(people).toEqual(['Alexander Lukashenko', 'Li Shangfu', 'Sergei Shoigu', 'Viktor Khrenin']);
    expect(found.has('Guido Keller')).toBe(false);
  });

  it('ranks by salience and gives evidence sentences from the text', () => {
    expect(
      actors
        .slice(0, 3)
        .map((a) => a.name)
        .sort(),
    ).toEqual(['Belarus', 'China', 'Russia']);
    for (let i = 1; i < actors.length; i++) expect(actors[i - 1]!.score).toBeGreaterThanOrEqual(actors[i]!.score);
    for (const a of actors) {
      expect(seed.text.includes(a.evidence) || seed.title === a.evidence, a.name).toBe(true);
      expect(a.evidence).not.toMatch(/ISSN|Authors:|Credits/);
    }
    expect(found.get('Li Shangfu')!.evidence).toMatch(/Minister of Defence Li Shangfu/);
    expect(found.get('Li Shangfu')!.mentions).toBeGreaterThanOrEqual(6);
  });

  it('drops people listed as the report authors even when named in the body', () => {
    const report = reportFromText('a', 'Title\n\nAuthors: Jane Marlow\n\nJane Marlow argues that Russia is isolated. Jane Marlow also met officials in Kyiv.');
    const names = extractActors(report).map((a) => a.name);
    expect(names).not.toContain('Jane Marlow');
    expect(names).toEqual(expect.arrayContaining(['Russia', 'Ukraine']));
  });
});

describe('actors generalise to other publishers', () => {
  for (const id of ['sahel-juntas-wagner', 'indo-pacific-aukus-quad', 'red-sea-houthis', 'gaza-ceasefire-diplomacy', 'ukraine-peace-talks']) {
    it(`finds the principal actors of ${id}`, () => {
      const labels = loadLabels(id);
      const actors = extractActors(loadReport(`tests/fixtures/analysis/${id}.txt`));
      const top = actors.slice(0, 12).map((a) => a.name);
      const allowed = new Set([...labels.principal, ...labels.acceptable].map((l) => l.name));
      const hits = labels.principal.filter((l) => top.includes(l.name)).length;
      expect(hits / labels.principal.length, `recall in ${id}: ${top.join(', ')}`).toBeGreaterThanOrEqual(0.8);
      for (const a of actors.slice(0, 10)) expect(allowed.has(a.name), `${a.name} in ${id}`).toBe(true);
      for (const bad of labels.notActors) expect(actors.map((a) => a.name)).not.toContain(bad);
    });
  }

  it('reads roles in several patterns', () => {
    const sahel = byName(extractActors(loadReport('tests/fixtures/analysis/sahel-juntas-wagner.txt')));
    expect(sahel.get('Assimi Goïta')).toMatchObject({ type: 'person', affiliation: 'Mali' });
    expect(sahel.get('Assimi Goïta')!.role).toMatch(/leader|Colonel/i);
    expect(sahel.get('Yunus-Bek Yevkurov')).toMatchObject({ role: 'Deputy Minister of Defence', affiliation: 'Russia' });
    expect(sahel.get('Wagner Group')).toMatchObject({ type: 'group' });
    expect(sahel.get('ECOWAS')).toMatchObject({ type: 'organisation' });
    const indo = byName(extractActors(loadReport('tests/fixtures/analysis/indo-pacific-aukus-quad.txt')));
    expect(indo.get('Xi Jinping')).toMatchObject({ role: 'President', affiliation: 'China' });
    expect(indo.get('Xi Jinping')!.aliases).toContain('Xi');
    expect(indo.get('Ferdinand Marcos Jr.')!.aliases).toContain('Marcos');
    expect(indo.get('Antony Blinken')).toMatchObject({ role: 'Secretary of State', affiliation: 'United States' });
    expect(indo.has('China')).toBe(true);
    const red = byName(extractActors(loadReport('tests/fixtures/analysis/red-sea-houthis.txt')));
    expect(red.get('Houthis')!.aliases).toEqual(expect.arrayContaining(['Houthis', 'Ansar Allah']));
    expect(red.get('Islamic State Khorasan Province')!.aliases).toContain('ISKP');
    expect(red.get('Michael Kurilla')).toMatchObject({ affiliation: 'United States' });
    expect(red.get('Abdul-Malik al-Houthi')).toMatchObject({ type: 'person' });
    expect(red.has('J. R. Smith')).toBe(false);
  });
});

describe('gazetteer resolution and person patterns', () => {
  const actorsOf = (body: string) => byName(extractActors(reportFromText('t', `Untitled\n\n${body}`)));

  it('resolves seats and metonyms, and keeps places that merely contain a state name out', () => {
    const a = actorsOf(
      'The Kremlin rejected the offer, and Downing Street said the White House agreed. Kiev was silent. ' +
        'Ships sailed through the South China Sea while the Washington Post reported on Latin America.',
    );
    expect(a.get('Russia')!.aliases).toContain('The Kremlin');
    expect(a.get('United Kingdom')!.aliases).toContain('Downing Street');
    expect(a.get('United States')!.aliases).toEqual(['the White House']);
    expect(a.get('Ukraine')!.aliases).toEqual(['Kiev']);
    expect(a.has('China')).toBe(false);
  });

  it('does not read a person named like a place as the place', () => {
    const a = actorsOf('George Washington crossed the river. Officials in Washington were unmoved.');
    expect(a.get('United States')!.mentions).toBe(1);
  });

  it('matches short acronyms only in capitals', () => {
    const a = actorsOf('The WHO warned about the outbreak. Who will pay is unclear. The Eu is not the EU.');
    expect(a.get('World Health Organization')!.mentions).toBe(1);
    expect(a.get('European Union')!.mentions).toBe(1);
  });

  it('finds titled people with abbreviations and possessive affiliations', () => {
    const a = actorsOf(
      "Gen. Mark Milley met Secretary of State Antony Blinken. Later, Turkey's President Recep Tayyip Erdoğan spoke. " +
        'Milley said little. NATO Secretary-General Jens Stoltenberg welcomed the talks.',
    );
    expect(a.get('Mark Milley')).toMatchObject({ type: 'person', role: 'General', mentions: 2 });
    expect(a.get('Recep Tayyip Erdoğan')).toMatchObject({ role: 'President', affiliation: 'Turkey' });
    expect(a.get('Jens Stoltenberg')).toMatchObject({ role: 'Secretary-General', affiliation: 'NATO' });
  });

  it('reads appositive roles with the affiliation split off', () => {
    const a = actorsOf(
      'Lloyd Austin, the Secretary of Defense of the United States, arrived. Kaja Kallas, the EU foreign policy chief, spoke. ' +
        'Mark Rutte, Secretary-General of NATO, said more.',
    );
    expect(a.get('Lloyd Austin')).toMatchObject({ role: 'Secretary of Defense', affiliation: 'United States' });
    expect(a.get('Kaja Kallas')).toMatchObject({ role: 'Foreign policy chief', affiliation: 'European Union' });
    expect(a.get('Mark Rutte')).toMatchObject({ role: 'Secretary-General', affiliation: 'NATO' });
  });

  it('does not invent people from capitalised phrases, months or sentence openers', () => {
    const a = actorsOf(
      'During August, the Belt and Road Initiative grew. Looking Ahead, the Moscow Conference on International Security met. ' +
        'The Moscow Conference on International Security will meet again in May.',
    );
    expect([...a.values()].filter((x) => x.type === 'person')).toEqual([]);
  });

  it('keeps names of events, institutes, media and operations from becoming states or people', () => {
    const a = actorsOf(
      'The Moscow Conference on International Security opened. The Washington Institute published a study. ' +
        'Al Jazeera reported the strike. Al Jazeera later corrected it. Belfast is in Northern Ireland. ' +
        'Operation Prosperity Guardian began. Operation Prosperity Guardian was led by the U.S.',
    );
    expect([...a.keys()]).toEqual(['United States']);
    expect(a.get('United States')!.aliases).toEqual(['U.S.']);
  });

  it('counts a state named as a theatre ("the Ukraine conflict") for less than a state acting', () => {
    const a = extractActors(
      reportFromText('t', 'T\n\nThe Ukraine conflict dragged on. The Ukraine war worsened. The Ukraine crisis deepened. Poland sent tanks.'),
    );
    const score = (n: string) => a.find((x) => x.name === n)!.score;
    expect(score('Ukraine') / 3).toBeLessThan(score('Poland'));
  });

  it('tolerates a one-letter misspelling only when the real name is present', () => {
    expect(actorsOf('Talks in Minsk resumed. Beijing values ties with Minks.').get('Belarus')!.mentions).toBe(2);
    expect(actorsOf('Beijing values ties with Minks.').has('Belarus')).toBe(false);
  });
});

describe('actors on adversarial input', () => {
  it('copes with lists only, no punctuation, non-English text and capitals everywhere', () => {
    const list = extractActors(reportFromText('l', 'Key points\n\n- Russia masses troops\n- NATO meets Friday\n- Kremlin denies plans'));
    expect(list.map((a) => a.name).sort()).toEqual(['NATO', 'Russia']);
    const noPunct = extractActors(
      reportFromText('n', `T\n\n${'China and Russia held drills near Taiwan while officials in Beijing said nothing '.repeat(40)}`),
    );
    expect(noPunct.map((a) => a.name)).toEqual(['China', 'Russia', 'Taiwan']);
    expect(noPunct.every((a) => a.evidence.split(' ').length <= 120)).toBe(true);
    const chinese = extractActors(reportFromText('zh', '标题\n\n中国国防部长访问俄罗斯和白俄罗斯。'));
    expect(chinese).toEqual([]);
    const shouting = extractActors(reportFromText('caps', 'T\n\nBREAKING: NATO AND THE EU CONDEMN THE ATTACK. OFFICIALS IN MOSCOW DENY IT.'));
    expect(shouting.filter((a) => a.type === 'person')).toEqual([]);
    expect(shouting.map((a) => a.name)).toEqual(expect.arrayContaining(['NATO', 'European Union']));
  });
});

describe('OfflineAnalyzer.actors', () => {
  it('is deterministic and labelled with the engine', async () => {
    const engine = new OfflineAnalyzer();
    const seed = loadReport(SEED_PATH);
    const a = await engine.actors(seed);
    const b = await engine.actors(seed);
    expect(a).toEqual(b);
    expect(a.engine).toEqual({ engine: 'offline', version: engine.version });
    expect(a.reportId).toBe(seed.id);
  });
});

describe('hyphenated given names', () => {
  it('keeps a lower-case syllable after the hyphen ("Lai Ching-te", "Kim Jong-un", "Moon Jae-in")', () => {
    const actors = byName(
      extractActors(
        reportFromText(
          'h',
          'Untitled\n\nTaiwanese President Lai Ching-te took office in May. Lai Ching-te met US officials. Kim Jong-un met South Korean President Moon Jae-in in Panmunjom. Later, Kim Jong-un returned to Pyongyang while Moon Jae-in flew to Seoul. A long-term pro-Western stance remains.',
        ),
      ),
    );
    expect(actors.get('Lai Ching-te')?.type).toBe('person');
    expect(actors.get('Moon Jae-in')?.role).toBe('President');
    expect(actors.get('Kim Jong-un')?.mentions).toBe(2);
    expect([...actors.keys()].some((name) => /^(?:Lai Ching|Kim Jong|Moon Jae)$/.test(name))).toBe(false);
  });
});
