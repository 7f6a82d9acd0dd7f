import type { CommandServices } from '../../src/core/command.ts';
import type { Report } from '../../src/reports/types.ts';

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
type Loose = Record<string, ((...args: unknown[]) => unknown) | undefined>;

export function libraryFor(services: Pick<CommandServices, 'reports'>, view: LibraryView) {
  const library = services.reports;
  // The view is an extra trailing argument: typed loosely here, in one place, so this compiles against
  // the library with and without views.
  const call = <T>(name: keyof Library, ...args: unknown[]): T => (library as unknown as Loose)[name]!.call(library, ...args) as T;
  return {
    list: (opts: Parameters<Library['list']>[0] = {}) => library.list({ ...opts, ...view }),
    search: (query: string, opts: Parameters<Library['search']>[1] = {}) => library.search(query, { ...opts, ...view }),
    suggest: (prefix: string, limit: number) => call<ReturnType<Library['suggest']>>('suggest', prefix, limit, view),
    resolve: (value: string) => call<ReturnType<Library['resolve']>>('resolve', value, view),
    sources: () => call<ReturnType<Library['sources']>>('sources', view),
    /** The report with its full text, for analysis: read from the store when the library keeps only metadata in memory. */
    async full(report: Report): Promise<Report> {
      const load = (library as unknown as Loose).load;
      // Today's `load()` (no argument) loads the whole library at start: only `load(id)` is the per-report read.
      if (typeof load !== 'function' || load.length === 0) return report;
      const loaded = (await load.call(library, report.id)) as Report | undefined;
      return loaded && typeof loaded === 'object' && 'text' in loaded ? loaded : report;
    },
  };
}
