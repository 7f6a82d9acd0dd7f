import type { Report } from '../../reports/types.ts';
import type { ActorsResult, Analyzer, EngineInfo, Summary, SummariseOptions } from '../types.ts';
import { summarise, SUMMARY_ALGORITHM_VERSION } from './summarise.ts';
import { extractActors, ACTORS_ALGORITHM_VERSION } from './actors.ts';

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
    return { reportId: report.id, actors: extractActors(report), engine: this.engine };
  }
}
