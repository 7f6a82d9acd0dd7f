import type { Command } from 'commander';
import type { CliDeps } from './deps.ts';
import { UserError } from '../core/errors.ts';
import { parseTimezone } from '../briefings/subscriptions.ts';
import type { Briefing, SubscriptionFilters } from '../briefings/types.ts';
import { renderBriefingText } from '../terminal/render.ts';
import { ingestBriefs } from '../reports/ingest.ts';

interface BriefOptions {
  since?: string;
  json?: boolean;
  subscription?: string;
  timezone?: string;
  topics?: string;
  actors?: string;
  regions?: string;
  sources?: string;
}

function parseSince(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new UserError(`--since must be an ISO 8601 date or time, e.g. 2026-11-27 or 2026-11-27T06:00:00Z; got "${value}"`);
  }
  return date;
}

const list = (value?: string) =>
  value
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);

/** The briefing as JSON for scripts: analysis results without the reports' full text. */
export function briefingJson(briefing: Briefing): unknown {
  return {
    title: briefing.title,
    date: briefing.date,
    timezone: briefing.timezone,
    format: briefing.format,
    topActors: briefing.topActors,
    emptyNotice: briefing.emptyNotice,
    items: briefing.items.map(({ report, summary, actors }) => ({
      id: report.id,
      title: report.title,
      source: report.source,
      url: report.url,
      authors: report.authors,
      publishedAt: report.publishedAt,
      ingestedAt: report.ingestedAt,
      summary: summary.text,
      engine: summary.engine,
      actors: actors.map(({ name, type, role, affiliation, mentions }) => ({ name, type, role, affiliation, mentions })),
    })),
  };
}

export function registerBrief(program: Command, deps: CliDeps): void {
  program
    .command('brief')
    .description("Print today's briefing: reports of the last 24 hours (or the latest few), summarised with their key actors")
    .option('--since <iso>', 'reports ingested after this instant, e.g. 2026-11-27T06:00:00Z')
    .option('--subscription <guild:channel>', "preview a subscription's next briefing (reports new since its last delivery)")
    .option('--timezone <iana>', 'timezone for the date in the header (default: this machine’s)')
    .option('--topics <list>', 'only reports about these comma-separated topics or keywords')
    .option('--actors <list>', 'only reports naming these comma-separated actors')
    .option('--regions <list>', 'only reports about these comma-separated regions')
    .option('--sources <list>', 'only reports from these comma-separated publishers')
    .option('--json', 'print the briefing as JSON')
    .action(async (options: BriefOptions) => {
      const since = options.since ? parseSince(options.since) : undefined;
      const timezone = options.timezone ? parseTimezone(options.timezone) : undefined;
      const app = await deps.openApp();
      // Like `sitrep start`: the bundled library is part of what a briefing draws on (a no-op when unchanged).
      const quiet = app.logger.child({}, { level: 'warn' });
      await ingestBriefs(app.ingest, app.config.BRIEFS_DIR, quiet).catch((error: unknown) => quiet.warn({ err: error }, 'could not load the bundled briefs'));
      let briefing: Briefing;
      if (options.subscription) {
        const [guildId, channelId, extra] = options.subscription.split(':');
        if (!guildId || !channelId || extra !== undefined)
          throw new UserError(`--subscription must be GUILD:CHANNEL, e.g. 123456789012345678:234567890123456789`);
        const subscription = await app.subscriptions.get(guildId, channelId);
        if (!subscription) throw new UserError(`No briefing subscription for channel ${channelId} in guild ${guildId}. See /briefing list.`);
        briefing = await app.briefings.composeFor(since ? { ...subscription, cursor: since.toISOString() } : subscription);
      } else {
        const filters: Partial<SubscriptionFilters> = {};
        for (const key of ['topics', 'actors', 'regions', 'sources'] as const) {
          const terms = list(options[key]);
          if (terms?.length) filters[key] = terms;
        }
        briefing = await app.briefings.composeLatest({ since, timezone, filters });
      }
      deps.out.write(options.json ? `${JSON.stringify(briefingJson(briefing), null, 2)}\n` : `${renderBriefingText(briefing)}\n`);
    });
}
