import type { Actor } from '../analysis/types.ts';
import type { Card, CardField, Reply } from '../core/reply.ts';
import { reportDate } from '../reports/types.ts';
import type { Briefing, BriefingItem } from './types.ts';

/**
 * Briefing → transport-neutral Reply: a header card, one card per report, and an "and N more" card when
 * there are more reports than a reader takes in at once. No platform limits here: the Discord renderer
 * splits and truncates, the terminal prints.
 */

/** Reports shown as their own card; the rest are listed as links in the overflow card. */
export const DETAILED_ITEMS = { full: 12, compact: 20 } as const;
const ACTORS_FULL = 5;
const ACTORS_COMPACT = 3;
const HEADER_COLOR = 0x2b6cb0;
const ITEM_COLOR = 0x4a5568;

function formatDay(iso: string, timezone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, day: 'numeric', month: 'short', year: 'numeric' }).format(date);
}

function actorLabel(actor: Actor): string {
  const detail = actor.role ? `${actor.role}${actor.affiliation ? `, ${actor.affiliation}` : ''}` : actor.type;
  return `${actor.name} (${detail})`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function firstSentence(item: BriefingItem): string {
  return item.summary.sentences[0]?.text ?? item.summary.text;
}

function headerCard(briefing: Briefing): Card {
  const count = briefing.items.length;
  const card: Card = {
    title: briefing.title,
    color: HEADER_COLOR,
    description:
      count === 0
        ? (briefing.emptyNotice ?? 'No new reports.')
        : (briefing.subtitle ?? `${plural(count, 'new report')}${count > 1 ? ', most relevant first' : ''}.`),
    footer: `Times in ${briefing.timezone}`,
  };
  if (briefing.topActors.length > 0) {
    card.fields = [
      {
        name: 'Most present actors',
        // Counts say something only when reports share actors.
        value: briefing.topActors.map((a) => (briefing.items.length > 1 ? `${a.name} (${plural(a.reports, 'report')})` : a.name)).join(' · '),
      },
    ];
  }
  return card;
}

function itemCard(item: BriefingItem, briefing: Briefing): Card {
  const { report } = item;
  const compact = briefing.format === 'compact';
  const actors = item.actors.slice(0, compact ? ACTORS_COMPACT : ACTORS_FULL);
  const card: Card = {
    title: report.title,
    author: report.source,
    timestamp: reportDate(report),
    footer: `${formatDay(reportDate(report), briefing.timezone)} · id ${report.id}`,
    color: ITEM_COLOR,
  };
  if (report.url) card.url = report.url;
  if (compact) {
    const lines = [firstSentence(item)];
    if (actors.length > 0) lines.push(`Actors: ${actors.map((a) => a.name).join(', ')}`);
    card.description = lines.filter(Boolean).join('\n');
    return card;
  }
  card.description = item.summary.text;
  const fields: CardField[] = [];
  if (actors.length > 0) fields.push({ name: 'Key actors', value: actors.map(actorLabel).join('\n') });
  if (report.authors.length > 0) fields.push({ name: 'Authors', value: report.authors.join(', '), inline: true });
  if (report.regions.length > 0) fields.push({ name: 'Regions', value: report.regions.join(', '), inline: true });
  if (fields.length > 0) card.fields = fields;
  return card;
}

function overflowCard(rest: BriefingItem[], briefing: Briefing): Card {
  const lines = rest.map(({ report }) => {
    // Brackets in an untrusted title, or ")" in a URL, would break the Markdown link.
    const title = report.url ? `[${report.title.replace(/[[\]]/g, '')}](${report.url.replace(/\)/g, '%29').replace(/\s/g, '%20')})` : report.title;
    return `• ${title} — ${report.source}, ${formatDay(reportDate(report), briefing.timezone)}${report.url ? '' : ` (id ${report.id})`}`;
  });
  return { title: `And ${rest.length} more`, description: lines.join('\n'), color: ITEM_COLOR };
}

export function presentBriefing(briefing: Briefing): Reply {
  const cards: Card[] = [headerCard(briefing)];
  const shown = DETAILED_ITEMS[briefing.format];
  // An overflow card for a single report would take as much room as the report's own card.
  const detailed = briefing.items.length <= shown + 1 ? briefing.items : briefing.items.slice(0, shown);
  for (const item of detailed) cards.push(itemCard(item, briefing));
  const rest = briefing.items.slice(detailed.length);
  if (rest.length > 0) cards.push(overflowCard(rest, briefing));
  return { cards };
}
