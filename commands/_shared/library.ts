import type { CommandServices } from '../../src/core/command.ts';
import { UserError } from '../../src/core/errors.ts';
import type { Report, ReportMeta } from '../../src/reports/types.ts';

/**
 * The report library as one server sees it (CONTRACTS §5, tenancy): the operator's library plus that
 * server's own reports; in a DM (`guildId: null`) the operator's library only. Every command and button
 * reads reports through this, so no server ever sees another's. The view is passed as the library's
 * optional last argument; a library without views ignores it.
 */
export interface LibraryView {
  guildId: string | null;
}

export function viewOf(input: { guildId?: string }): LibraryView {
  return { guildId: input.guildId ?? null };
}

type Library = CommandServices['reports'];

export function libraryFor(services: Pick<CommandServices, 'reports'>, view: LibraryView) {
  const library: Library = services.reports;
  return {
    get: (id: string) => library.get(id, view),
    list: (opts: Parameters<Library['list']>[0] = {}) => library.list({ ...opts, ...view }),
    search: (query: string, opts: Parameters<Library['search']>[1] = {}) => library.search(query, { ...opts, ...view }),
    suggest: (prefix: string, limit: number) => library.suggest(prefix, limit, view),
    resolve: (value: string) => library.resolve(value, view),
    sources: () => library.sources(view),
    /** The report with its full text (the library keeps only metadata in memory; text is read from the store). */
    async full(report: ReportMeta): Promise<Report> {
      const loaded = await library.loadReport(report.id, view);
      if (!loaded) throw new UserError('That report is no longer in the library. Try /report search.', 'unknown_report');
      return loaded;
    },
    /** Full reports for a page of results, in order, in one store round trip. */
    fullMany: (reports: ReportMeta[]): Promise<Report[]> =>
      library.loadMany(
        reports.map((r) => r.id),
        view,
      ),
  };
}
