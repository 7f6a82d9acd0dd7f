import type { Report } from '../../reports/types.ts';
import type { ActorsResult, Analyzer, EngineInfo, Summary, SummariseOptions } from '../types.ts';
import { summarise, SUMMARY_ALGORITHM_VERSION } from './summarise.ts';
import { extractActors, ACTORS_ALGORITHM_VERSION } from './actors.ts';
import { hasRules, reportLanguage, RULE_LANGUAGES } from './language.ts';

/** The offline engine: deterministic, no network, no model. Its version goes into cache keys. */
export class OfflineAnalyzer implements Analyzer {
  readonly name = 'offline' as const;
  readonly version = `s${SUMMARY_ALGORITHM_VERSION}.a${ACTORS_ALGORITHM_VERSION}`;

  private get engine(): EngineInfo {
    return { engine: 'offline', version: this.version };
  }

  async summarise(report: Report, options: SummariseOptions): Promise<Summary> {
    const sentences = summarise(report, options.length);
    return {
      reportId: report.id,
      length: options.length,
      sentences,
      text: sentences.map((s) => s.text).join(' '),
      engine: this.engine,
    };
  }

  async actors(report: Report): Promise<ActorsResult> {
    const lang = reportLanguage(report);
    const engine: EngineInfo = this.engine;
    if (!hasRules(lang)) {
      engine.note =
        lang === 'und'
          ? 'The offline engine could not tell the language of this report, so it lists no people: only states and organisations it recognises.'
          : `The offline engine has no rules for this report's language (${lang}); it reads ${RULE_LANGUAGES.join(', ')}. Only states and organisations it recognises are listed, no people.`;
    }
    return { reportId: report.id, actors: extractActors(report, { lang }), engine };
  }
}
