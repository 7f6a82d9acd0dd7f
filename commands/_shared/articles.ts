import type { CommandServices } from '../../src/core/command.ts';
import { UserError } from '../../src/core/errors.ts';
import type { Report } from '../../src/reports/types.ts';
import { libraryFor } from './library.ts';

/**
 * One article added from Discord (`/report add`, Summarise link): fetched under the fetch rules (the safe
 * fetcher refuses private addresses, oversized and slow pages) and stored in the server's scope, so only
 * that server (and the operator) sees it. Every refusal is a specific UserError; nothing is stored then.
 */

/** What to do next, by the kind of refusal. */
const ADVICE: Record<string, string> = {
  fetch_refused: 'The bot only fetches public http(s) addresses.',
  fetch_failed: 'Check the address, and that the site is up.',
  fetch_timeout: 'The site did not answer in time; try again later.',
  fetch_http: 'Check the address: open it in a browser and copy the article link.',
  fetch_redirects: 'Copy the final address from a browser and use that.',
  fetch_type: 'Give the address of a web page (HTML), not of a file or image.',
  fetch_too_large: 'The page is larger than the bot may fetch (FETCH_MAX_BYTES).',
  is_feed: 'That address is a feed: follow it with /sources add.',
  empty_report: 'The page has no article text the bot could read (it may need JavaScript or a login).',
};

function explain(error: unknown): unknown {
  if (!(error instanceof UserError) || !(error.code in ADVICE)) return error;
  const message = error.message.replace(/[.\s]+$/, '').replace(/: add it with --feed \(CLI\) or \/feed add$/, '');
  return new UserError(`Could not add the article: ${message}. ${ADVICE[error.code]} Nothing was added.`, error.code);
}

export interface AddedArticle {
  report: Report;
  status: 'created' | 'updated' | 'unchanged';
}

export async function addArticle(services: Pick<CommandServices, 'ingest' | 'reports'>, url: string, guildId: string): Promise<AddedArticle> {
  if (!/^https?:\/\/\S+$/i.test(url.trim()))
    throw new UserError('Give the full address of an article, starting with http:// or https://. Nothing was added.', 'bad_url');
  const result = await services.ingest.ingestUrl(url.trim(), { guildId }).catch((error: unknown) => {
    throw explain(error);
  });
  // Read back through this server's view: what is shown is exactly what this server may see.
  const library = libraryFor(services, { guildId });
  const meta = library.get(result.report.id);
  const report = meta ? await library.full(meta) : undefined;
  if (!report) throw new UserError('The article was fetched but is not visible in this server yet. Try /report search in a moment.', 'not_visible');
  return { report, status: result.status };
}

/** Discord's masked links and `<…>` suppressions around a URL, and sentence punctuation after it, are not part of it. */
const URL_PATTERN = /https?:\/\/[^\s<>"'`()[\]{}|\\^]+/gi;

/** The http(s) links of a message's text, first first, without trailing punctuation, de-duplicated. */
export function linksIn(text: string): string[] {
  const found = (text.match(URL_PATTERN) ?? []).map((url) => url.replace(/[.,;:!?*_~]+$/, ''));
  return [
    ...new Set(
      found.filter((url) => {
        try {
          const parsed = new URL(url);
          return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname.length > 0;
        } catch {
          return false;
        }
      }),
    ),
  ];
}
