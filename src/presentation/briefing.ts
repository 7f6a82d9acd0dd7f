import type { Actor } from '../analysis/types.ts';
import type { Card, CardAction, CardField, CardLink, Reply } from '../core/reply.ts';
import { reportDate } from '../reports/types.ts';
import type { Briefing, BriefingItem } from '../briefings/types.ts';
import { reportActions, reportDateLabel, reportLanguage } from './reports.ts';
import { plural } from './text.ts';

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

function actorLabel(actor: Actor): string {
  const detail = actor.role ? `${actor.role}${actor.affiliation ? `, ${actor.affiliation}` : ''}` : actor.type;
  return `${actor.name} (${detail})`;
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
  const language = reportLanguage(report);
  const card: Card = {
    title: report.title,
    author: report.source,
    timestamp: reportDate(report),
    footer: [reportDateLabel(report, briefing.timezone), language, `id ${report.id}`].filter(Boolean).join(' · '),
    color: ITEM_COLOR,
    // The same stateless actions as report cards: they keep working after restarts, on any shard.
    actions: reportActions(report, { named: true }),
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

/** The reports that did not get a card of their own: typed links (the renderer builds real links), the rest as lines. */
function overflowCard(rest: BriefingItem[], briefing: Briefing): Card {
  const note = (item: BriefingItem) => `${item.report.source}, ${reportDateLabel(item.report, briefing.timezone)}`;
  const links: CardLink[] = rest.filter(({ report }) => report.url).map((item) => ({ title: item.report.title, url: item.report.url!, note: note(item) }));
  const unlinked = rest.filter(({ report }) => !report.url).map((item) => `• ${item.report.title} — ${note(item)} (id ${item.report.id})`);
  const card: Card = { title: `And ${rest.length} more`, color: ITEM_COLOR };
  if (unlinked.length > 0) card.description = unlinked.join('\n');
  if (links.length > 0) card.links = links;
  return card;
}

/** Menu options Discord takes in one select menu. */
const MENU_OPTIONS = 25;

/** "Open a summary…": one menu to read any report of the briefing privately (the Summary action). */
function summaryMenu(briefing: Briefing): CardAction[] {
  if (briefing.items.length === 0) return [];
  const options = briefing.items
    .slice(0, MENU_OPTIONS)
    .map(({ report }) => ({ label: report.title, value: report.id, description: `${report.source}, ${reportDateLabel(report, briefing.timezone)}` }));
  return [{ kind: 'menu', placeholder: 'Open a summary (only you see it)…', action: 'summary', args: [], options }];
}

export function presentBriefing(briefing: Briefing): Reply {
  const cards: Card[] = [headerCard(briefing)];
  const shown = DETAILED_ITEMS[briefing.format];
  // An overflow card for a single report would take as much room as the report's own card.
  const detailed = briefing.items.length <= shown + 1 ? briefing.items : briefing.items.slice(0, shown);
  for (const item of detailed) cards.push(itemCard(item, briefing));
  const rest = briefing.items.slice(detailed.length);
  if (rest.length > 0) cards.push(overflowCard(rest, briefing));
  const actions = summaryMenu(briefing);
  return actions.length > 0 ? { cards, actions } : { cards };
}
