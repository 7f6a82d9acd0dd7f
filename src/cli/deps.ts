import type { App } from '../app.ts';

/** What every `sitrep` sub-command gets: the app (opened on first use) and where to print. */
export interface CliDeps {
  /** `logBindings` are added to every log line of the app (the first call decides). */
  openApp(options?: { logBindings?: Record<string, unknown> }): Promise<App>;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}
