import { describe, expect, it } from 'vitest';
import { extractActors } from '../../../src/analysis/offline/actors.ts';
import { OfflineAnalyzer } from '../../../src/analysis/offline/index.ts';
import type { Actor } from '../../../src/analysis/types.ts';
import { reportFromText } from '../../fixtures/analysis/make-report.ts';

const actorsOf = (body: string, lang = 'en') => new Map(extractActors(reportFromText('t', `Untitled\n\n${body}`), { lang }).map((a) => [a.name, a] as const));
const people = (m: Map<string, Actor>) =>
  [...m.values()]
    .filter((a) => a.type === 'person')
    .map((a) => a.name)
    .sort();

describe('collective actors', () => {
  it('types blocs and camps as groups and merges their wordings', () => {
    const a = actorsOf(
      'Western governments and the Gulf monarchies watched closely. The West has little leverage. Western powers met again. ' +
        'EU member states and NATO allies issued statements; Central Asian states stayed silent and the Global South largely neutral. ' +
        'The Gulf states later joined the Baltic states in a statement.',
    );
    expect(a.get('the West')).toMatchObject({ type: 'group', mentions: 3 });
    expect(a.get('the West')!.aliases).toEqual(expect.arrayContaining(['Western governments', 'West', 'Western powers']));
    expect(a.get('Gulf states')!.aliases).toEqual(expect.arrayContaining(['Gulf monarchies', 'Gulf states']));
    for (const name of ['EU member states', 'NATO allies', 'Central Asian states', 'the Global South', 'Baltic states'])
      expect(a.get(name)?.type, name).toBe('group');
    expect(a.has('European Union')).toBe(false); // "EU member states" is the members, not the Union acting
  });

  it('does not read places or one state’s partners as blocs', () => {
    const a = actorsOf('Troops moved into the West Bank and West Africa. Russian allies in the region stayed quiet. Many countries abstained.');
    expect([...a.values()].filter((x) => x.type === 'group')).toEqual([]);
  });
});

describe('organisations the data files do not list', () => {
  it('creates an organisation from "Full Name (ACR)" and "ACR (Full Name)" and counts later acronym mentions', () => {
    const a = actorsOf(
      'The Southern African Development Community (SADC) met in Pretoria. SADC leaders called for calm. ' +
        'Later the CNSP (National Council for the Safeguard of the Homeland) extended the transition; the CNSP also expelled diplomats. ' +
        'The Zimbabwe African National Union – Patriotic Front (ZANU-PF) expelled her. ZANU-PF won the vote.',
    );
    // SADC is in the data file under its acronym; the definition adds the full name as an alias.
    expect(a.get('SADC')).toMatchObject({ type: 'organisation', mentions: 2 });
    expect(a.get('SADC')!.aliases).toEqual(expect.arrayContaining(['SADC', 'Southern African Development Community']));
    expect(a.get('National Council for the Safeguard of the Homeland')!.aliases).toContain('CNSP');
    expect(a.get('National Council for the Safeguard of the Homeland')!.mentions).toBe(2);
    expect(a.get('Zimbabwe African National Union – Patriotic Front')).toMatchObject({ type: 'group', mentions: 2 });
  });

  it('reads acronyms that keep the small words ("Department of Energy (DOE)") and foundations or boards as organisations', () => {
    const a = actorsOf(
      'The act funds the National Science Foundation (NSF) and the Department of Energy (DOE) to carry out research. ' +
        'Officials from DOE and NSF met the Federal Reserve Board later. The Tobacco Growers Foundation (TGF) objected.',
    );
    expect(a.get('Department of Energy')).toMatchObject({ type: 'organisation' });
    expect(a.get('Department of Energy')!.aliases).toContain('DOE');
    expect(a.get('National Science Foundation')).toMatchObject({ type: 'organisation' });
    expect(a.get('National Science Foundation')!.aliases).toContain('NSF');
    expect(a.get('Tobacco Growers Foundation')).toMatchObject({ type: 'organisation' });
  });

  it('adds a defined acronym to an actor it already knows, and ignores acronyms of things that do not act', () => {
    const a = actorsOf(
      'The Economic Community of West African States (ECOWAS) met. Its Exclusive Economic Zone (EEZ) and the Belt and Road Initiative (BRI) were discussed.',
    );
    expect(a.get('ECOWAS')!.mentions).toBe(1);
    expect([...a.keys()]).toEqual(['ECOWAS']);
    // The text's own expansion wins over the data file's meaning of an acronym.
    const b = actorsOf('The fleet uses a base called Naval Support Activity (NSA) Bahrain. NSA Bahrain was damaged in the strikes.');
    expect(b.has('National Security Agency')).toBe(false);
  });

  it('finds parties, movements, fronts, councils and regional governments by their head nouns', () => {
    const a = actorsOf(
      'The opposition Movement for Democratic Change and the Citizens Coalition for Change protested. ' +
        "Prime Minister Benjamin Netanyahu's Likud Party lost seats. The Southern Transitional Council seized the port. " +
        'The Kurdistan Regional Government and the Russian Armed Forces were not consulted.',
    );
    expect(a.get('Movement for Democratic Change')?.type).toBe('group');
    expect(a.get('Citizens Coalition for Change')?.type).toBe('group');
    expect(a.get('Likud Party')?.type).toBe('group');
    expect(a.get('Southern Transitional Council')?.type).toBe('organisation');
    expect(a.get('Kurdistan Regional Government')?.type).toBe('organisation');
    expect(a.has('Russian Armed Forces')).toBe(false);
    expect(a.get('Russia')).toBeDefined();
  });
});

describe('people: nicknames, whole roles, lists, tables and datelines', () => {
  it('resolves a nickname to the full name the text gives', () => {
    const a = actorsOf('Grace Mugabe, known as Gucci Grace, lost her bid. Gucci Grace had clashed with the army. Gucci Grace left for Singapore.');
    expect(a.has('Gucci Grace')).toBe(false);
    expect(a.get('Grace Mugabe')).toMatchObject({ type: 'person', mentions: 3 });
    expect(a.get('Grace Mugabe')!.aliases).toContain('Gucci Grace');
  });

  it('reads hyphenated and multi-word titles whole, with the state or organisation they belong to', () => {
    const a = actorsOf(
      'Vice-President Emmerson Mnangagwa met Attorney-General Prince Machaya. ' +
        "Zimbabwe's Chief of the General Staff Philip Valerio Sibanda attended. Barack Obama, President of the United States, spoke. " +
        "Russia's Foreign Minister Sergei Lavrov replied.",
    );
    expect(a.get('Emmerson Mnangagwa')!.role).toBe('Vice-President');
    expect(a.get('Philip Valerio Sibanda')).toMatchObject({ role: 'Chief of the General Staff', affiliation: 'Zimbabwe' });
    expect(a.get('Barack Obama')).toMatchObject({ role: 'President', affiliation: 'United States' });
    expect(a.get('Sergei Lavrov')).toMatchObject({ role: 'Foreign Minister', affiliation: 'Russia' });
    for (const x of a.values()) if (x.role) expect(x.role).not.toMatch(/^-/);
  });

  it('takes the state that owns the sentence as the office’s state, never a state merely mentioned', () => {
    const a = actorsOf(
      "Mongolia's current head of state is President Ukhnaagiin Khurelsukh. President Recep Tayyip Erdoğan hosted talks on Ukraine in Istanbul.",
    );
    expect(a.get('Ukhnaagiin Khurelsukh')).toMatchObject({ role: 'President', affiliation: 'Mongolia' });
    expect(a.get('Recep Tayyip Erdoğan')!.affiliation).toBeUndefined();
  });

  it('counts names in list items and table cells', () => {
    const report = reportFromText(
      'list',
      'Who is who\n\nThe main figures:\n- Nelson Chamisa\n- Constantino Chiwenga, army commander\n\nName | Role\nJames Mudzinge | Envoy',
    );
    const names = extractActors(report)
      .filter((x) => x.type === 'person')
      .map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['Nelson Chamisa', 'Constantino Chiwenga', 'James Mudzinge']));
  });

  it('never counts a dateline as an actor', () => {
    const a = actorsOf(
      'LONDON — Ministers met on Monday. KYIV, Ukraine (Reuters) - Drones struck a depot. Paris (AFP) — Talks resumed. Officials in London were relieved.',
    );
    expect(a.has('France')).toBe(false);
    expect(a.has('Ukraine')).toBe(false);
    expect(a.get('United Kingdom')!.mentions).toBe(1); // only "Officials in London", not the dateline
  });
});

describe('languages', () => {
  it('French: states by their French names, people by French titles, with the adjective of nationality as affiliation', () => {
    const a = actorsOf(
      "PARIS — Le président Emmanuel Macron a reçu mardi le chancelier allemand Olaf Scholz à l'Élysée. " +
        "Le président russe Vladimir Poutine a averti l'OTAN. Selon le ministre des Affaires étrangères Jean-Noël Barrot, l'Union européenne prépare des sanctions. " +
        "Les États-Unis et le Royaume-Uni soutiennent l'initiative, tandis que la Hongrie menace d'y opposer son veto.",
      'fr',
    );
    expect(people(a)).toEqual(['Emmanuel Macron', 'Jean-Noël Barrot', 'Olaf Scholz', 'Vladimir Poutine']);
    expect(a.get('Olaf Scholz')).toMatchObject({ role: 'Chancelier', affiliation: 'Germany' });
    expect(a.get('Vladimir Poutine')).toMatchObject({ role: 'Président', affiliation: 'Russia' });
    expect(a.get('Jean-Noël Barrot')!.role).toBe('Ministre des Affaires étrangères');
    for (const s of ['United States', 'United Kingdom', 'Hungary', 'Germany', 'Russia']) expect(a.get(s)?.type, s).toBe('state');
    expect(a.get('European Union')!.aliases).toContain('Union européenne');
    expect(a.get('NATO')!.aliases).toContain('OTAN');
  });

  it('Spanish: "Estados Unidos" and "República de Turquía" are states, never people', () => {
    const a = actorsOf(
      'El presidente turco Recep Tayyip Erdoğan recibió al secretario de Estado Marco Rubio. Estados Unidos pide a la República de Turquía que frene sus operaciones. ' +
        'El presidente de Francia, Emmanuel Macron, ofreció mediar. La Unión Europea y las Naciones Unidas pidieron moderación. Erdoğan afirmó que Turquía defenderá su seguridad.',
      'es',
    );
    expect(a.get('United States')).toMatchObject({ type: 'state' });
    expect(a.get('Turkey')!.aliases).toEqual(expect.arrayContaining(['República de Turquía', 'Turquía']));
    expect(people(a)).toEqual(['Emmanuel Macron', 'Marco Rubio', 'Recep Tayyip Erdoğan']);
    expect(a.get('Emmanuel Macron')).toMatchObject({ role: 'Presidente', affiliation: 'France' });
    expect(a.get('Marco Rubio')!.role).toBe('Secretario de Estado');
    expect(a.get('Recep Tayyip Erdoğan')!.mentions).toBe(2);
    expect(a.has('Estados Unidos')).toBe(false);
  });

  it('Italian and Portuguese: local state names and titles, a nationality adjective between title and name', () => {
    const it_ = actorsOf(
      'Il presidente ucraino Volodymyr Zelensky ha incontrato a Roma la presidente del Consiglio Giorgia Meloni. Gli Stati Uniti sostengono Kiev. ' +
        "Il ministro degli Esteri Antonio Tajani ha detto che l'Italia resterà al fianco dell'Ucraina.",
      'it',
    );
    expect(people(it_)).toEqual(['Antonio Tajani', 'Giorgia Meloni', 'Volodymyr Zelensky']);
    expect(it_.get('Volodymyr Zelensky')!.role).toBe('Presidente');
    expect(it_.get('United States')!.aliases).toContain('Stati Uniti');
    const pt = actorsOf(
      'O presidente Luiz Inácio Lula da Silva recebeu o primeiro-ministro de Portugal, Luís Montenegro. Os Estados Unidos e a China disputam influência.',
      'pt',
    );
    expect(pt.get('Luís Montenegro')).toMatchObject({ role: 'Primeiro-ministro', affiliation: 'Portugal' });
    expect(pt.get('Luiz Inácio Lula da Silva')).toMatchObject({ type: 'person', role: 'Presidente' });
    expect(pt.get('United States')?.type).toBe('state');
  });

  it('German and Russian titles mark people', () => {
    const de = actorsOf('Bundeskanzler Friedrich Merz traf den französischen Präsidenten in Berlin. Merz sagte, Deutschland werde helfen.', 'de');
    expect(de.get('Friedrich Merz')).toMatchObject({ type: 'person', role: 'Bundeskanzler' });
    expect(de.get('Germany')?.type).toBe('state');
    const ru = actorsOf('Президент Владимир Путин провёл переговоры. Министр Сергей Лавров заявил о новых санкциях.', 'ru');
    expect(people(ru)).toEqual(['Владимир Путин', 'Сергей Лавров']);
  });

  it('says so on the result when it has no rules for the report’s language, and lists no people then', async () => {
    const engine = new OfflineAnalyzer();
    const polish = reportFromText(
      'pl',
      'Rozmowy w Warszawie\n\nPremier Donald Tusk spotkał się w poniedziałek z prezydentem Francji. Rozmawiali o wsparciu dla Ukrainy i o sankcjach wobec Rosji. ' +
        'Minister spraw zagranicznych Radosław Sikorski powiedział, że Polska zwiększy wydatki na obronę.',
    );
    const result = await engine.actors(polish);
    expect(result.engine.note).toMatch(/no rules for this report's language \(pl\)/);
    expect(result.actors.filter((a) => a.type === 'person')).toEqual([]);
    const french = await engine.actors(
      reportFromText('fr', 'Titre\n\nLe président Emmanuel Macron a reçu le chancelier allemand Olaf Scholz à Paris pour parler de la guerre en Ukraine.'),
    );
    expect(french.engine.note).toBeUndefined();
    expect(french.actors.map((a) => a.name)).toContain('Emmanuel Macron');
  });
});
