import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIStringSelectComponent,
  type APIEmbed,
  type APIEmbedField,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import type { Card, CardAction, CardLink, Reply } from '../core/reply.ts';
import { encodeActionId } from '../core/actions.ts';
import { stripBidi } from '../presentation/text.ts';
import { LIMITS } from './limits.ts';
import { escapedParts, escapedWithin, neutraliseMentions, nonEmpty, plain, truncate, validUrl, withEllipsis, type RenderOptions } from './escape.ts';

export { stripBidi, LIMITS };
export { escapeText, neutraliseMentions, splitText, truncate, type RenderOptions } from './escape.ts';

/**
 * The one renderer from transport-neutral `Reply` to Discord messages. Every message it returns fits
 * Discord's limits, so Discord never rejects what the bot sends: long text is split into more embeds or
 * messages, and only truncated (at a word boundary, with "…") past a sane number of messages.
 *
 * Reply text is plain text (see src/presentation/): here it is escaped so that report text can neither
 * form mentions nor Markdown that breaks the layout, and bidi controls are stripped so it cannot reorder
 * what readers see. Bare URLs are left intact so they stay clickable; a card's typed links become real
 * masked links.
 */

/** A long description or content is split into at most this many parts before being truncated. */
const MAX_DESCRIPTION_PARTS = 3;
const MAX_CONTENT_PARTS = 3;
/** Link lines of a card beyond these many embeds are counted instead of shown. */
const MAX_LINK_EMBEDS = 3;
const ZWSP = '\u200b';

export interface DiscordMessage {
  content?: string;
  embeds: APIEmbed[];
  ephemeral: boolean;
  /** Rows of buttons (Summary, Key actors, Previous/Next) and menus, at most 5. */
  components?: APIActionRowComponent<APIButtonComponent | APIStringSelectComponent>[];
}

// ───────────────────────────── cards → embeds ─────────────────────────────

function embedSize(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

function validTimestamp(timestamp: string | undefined): string | undefined {
  if (!timestamp) return undefined;
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function validColor(color: number | undefined): number | undefined {
  return color !== undefined && Number.isInteger(color) && color >= 0 && color <= 0xffffff ? color : undefined;
}

/** Link titles are cut to this many characters, so a line never outgrows a description. */
const LINK_TITLE_CHARS = 200;
const LINK_NOTE_CHARS = 200;

/**
 * A typed link as a real masked link, "• [Title](https://…) — note": the title escaped (so brackets in an
 * untrusted title cannot end the link early), the URL checked and with ")" and whitespace encoded. A link
 * whose URL is not a valid http(s) URL is shown as text.
 */
function linkLine(link: CardLink, options: RenderOptions = {}): string {
  const title = escapedWithin(plain(link.title) || link.url, LINK_TITLE_CHARS, options);
  const note = link.note && nonEmpty(link.note) ? ` — ${escapedWithin(plain(link.note), LINK_NOTE_CHARS, options)}` : '';
  const url = validUrl(link.url);
  if (!url) return `• ${title}${note}`;
  return `• [${title}](${url.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/\s/g, '%20')})${note}`;
}

/** Packs whole link lines into descriptions of at most `max` characters, in at most `parts` parts; the rest is counted. */
function packLinks(lines: string[], max: number, parts: number): string[] {
  const packed: string[] = [];
  let current = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (current && current.length + 1 + line.length > max) {
      if (packed.length + 1 >= parts) {
        const more = `…and ${lines.length - i} more`;
        packed.push(current.length + 1 + more.length <= max ? `${current}\n${more}` : current);
        return packed;
      }
      packed.push(current);
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) packed.push(current);
  return packed;
}

/** One card becomes one embed, or several when its text is longer than one embed can hold. */
function cardToEmbeds(card: Card, options: RenderOptions = {}): APIEmbed[] {
  const color = validColor(card.color);
  const title = nonEmpty(card.title) ? escapedWithin(plain(card.title!), LIMITS.title, options) : undefined;
  const author = nonEmpty(card.author) ? truncate(neutraliseMentions(plain(card.author!.slice(0, 4 * LIMITS.author))), LIMITS.author) : undefined;
  const footer = nonEmpty(card.footer) ? truncate(neutraliseMentions(card.footer!.trim().slice(0, LIMITS.footer + 1)), LIMITS.footer) : undefined;
  const url = title ? validUrl(card.url) : undefined;
  const timestamp = validTimestamp(card.timestamp);

  const descriptionParts = nonEmpty(card.description) ? escapedParts(card.description!.trim(), LIMITS.description, MAX_DESCRIPTION_PARTS, options) : [];
  if (descriptionParts.length > MAX_DESCRIPTION_PARTS) {
    descriptionParts.length = MAX_DESCRIPTION_PARTS;
    const note = url ? `\n\nFull text: ${url}` : '';
    descriptionParts[MAX_DESCRIPTION_PARTS - 1] = withEllipsis(descriptionParts[MAX_DESCRIPTION_PARTS - 1]!, LIMITS.description - note.length) + note;
  }
  // Typed links follow the description, each line whole (a masked link cut in half would show as Markdown).
  const linkParts = packLinks(
    (card.links ?? []).map((link) => linkLine(link, options)),
    LIMITS.description,
    MAX_LINK_EMBEDS,
  );
  if (linkParts.length > 0 && descriptionParts.length > 0) {
    const last = descriptionParts[descriptionParts.length - 1]!;
    if (last.length + 2 + linkParts[0]!.length <= LIMITS.description) descriptionParts[descriptionParts.length - 1] = `${last}\n\n${linkParts.shift()}`;
  }
  descriptionParts.push(...linkParts);
  const fields: APIEmbedField[] = (card.fields ?? [])
    .filter((f) => nonEmpty(f.name) || nonEmpty(f.value))
    .map((f) => ({
      name: nonEmpty(f.name) ? escapedWithin(plain(f.name.slice(0, 4 * LIMITS.fieldName)), LIMITS.fieldName, options) : ZWSP,
      value: nonEmpty(f.value) ? escapedWithin(f.value.trim(), LIMITS.fieldValue, options) : ZWSP,
      ...(f.inline ? { inline: true } : {}),
    }));

  const embeds: APIEmbed[] = [];
  const base = (): APIEmbed => (color !== undefined ? { color } : {});
  let current: APIEmbed = base();
  if (title) current.title = title;
  if (url) current.url = url;
  if (author) current.author = { name: author };
  const startNew = () => {
    embeds.push(current);
    current = base();
  };
  for (const part of descriptionParts) {
    if (current.description !== undefined || embedSize(current) + part.length > LIMITS.embedTotal) startNew();
    current.description = part;
  }
  for (const field of fields) {
    const size = field.name.length + field.value.length;
    if ((current.fields?.length ?? 0) >= LIMITS.fields || embedSize(current) + size > LIMITS.embedTotal) startNew();
    (current.fields ??= []).push(field);
  }
  // The footer closes the card: on its last embed, or on one of its own when that one is full.
  if (footer) {
    if (embedSize(current) + footer.length > LIMITS.embedTotal) startNew();
    current.footer = { text: footer };
  }
  if (timestamp) current.timestamp = timestamp;
  embeds.push(current);
  return embeds.filter((e) => embedSize(e) > 0);
}

// ───────────────────────────── messages ─────────────────────────────

/**
 * Renders a reply into as many messages as Discord's limits need (normally one). With `everyCardRow`
 * (briefings) a card whose buttons would find no row left starts a new message, so every card keeps its
 * buttons; replies do not, since a page must stay one message for Previous / Next to replace it.
 */
export function renderReply(reply: Reply, options: RenderOptions = {}, layout: { everyCardRow?: boolean } = {}): DiscordMessage[] {
  const ephemeral = Boolean(reply.ephemeral);
  const contentParts = nonEmpty(reply.content) ? escapedParts(reply.content!.trim(), LIMITS.content, MAX_CONTENT_PARTS, options) : [];
  if (contentParts.length > MAX_CONTENT_PARTS) {
    contentParts.length = MAX_CONTENT_PARTS;
    contentParts[MAX_CONTENT_PARTS - 1] = withEllipsis(contentParts[MAX_CONTENT_PARTS - 1]!, LIMITS.content);
  }
  const cards = (reply.cards ?? []).map((card) => ({ embeds: cardToEmbeds(card, options), row: actionRow(card.actions) }));

  const messages: DiscordMessage[] = contentParts.map((content) => ({ content, embeds: [], ephemeral }));
  let current: DiscordMessage = messages.pop() ?? { embeds: [], ephemeral };
  let size = 0;
  const reserved = reply.actions?.length ? 1 : 0;
  for (const card of cards) {
    card.embeds.forEach((embed, i) => {
      const s = embedSize(embed);
      const noRowLeft = Boolean(layout.everyCardRow && i === 0 && card.row && (current.components?.length ?? 0) >= LIMITS.actionRows - reserved);
      if (
        current.embeds.length >= LIMITS.embedsPerMessage ||
        (current.embeds.length > 0 && size + s > LIMITS.embedTotal) ||
        (noRowLeft && current.embeds.length > 0)
      ) {
        messages.push(current);
        current = { embeds: [], ephemeral };
        size = 0;
      }
      current.embeds.push(embed);
      size += s;
      // A card's buttons go with the message that shows its first embed, while rows are left.
      if (i === 0 && card.row) addRow(current, card.row, reserved);
    });
  }
  if (current.content !== undefined || current.embeds.length > 0) messages.push(current);
  if (messages.length === 0) messages.push({ content: 'Nothing to show.', embeds: [], ephemeral });
  for (const row of actionRows(reply.actions)) addRow(messages[messages.length - 1]!, row, 0);
  return messages;
}

// ───────────────────────────── buttons ─────────────────────────────

type Row = APIActionRowComponent<APIButtonComponent | APIStringSelectComponent>;

function addRow(message: DiscordMessage, row: Row, reserved: number): void {
  const rows = (message.components ??= []);
  if (rows.length < LIMITS.actionRows - reserved) rows.push(row);
}

/** A menu as a select menu of its own row: options within Discord's 25 and 100-character limits; values too long are left out. */
function menuRow(menu: Extract<CardAction, { kind: 'menu' }>): Row | undefined {
  const custom_id = encodeActionId({ action: menu.action, args: menu.args });
  const options = menu.options
    .filter((o) => o.value.length > 0 && o.value.length <= LIMITS.choiceValue)
    .slice(0, LIMITS.choices)
    .map((o) => ({
      label: truncate(plain(stripBidi(o.label)), LIMITS.choiceName) || o.value,
      value: o.value,
      ...(o.description && nonEmpty(o.description) ? { description: truncate(plain(stripBidi(o.description)), LIMITS.choiceName) } : {}),
    }));
  if (!custom_id || options.length === 0) return undefined;
  return {
    type: ComponentType.ActionRow,
    components: [{ type: ComponentType.StringSelect, custom_id, placeholder: truncate(plain(menu.placeholder), 150), options }],
  };
}

/** A reply's or card's actions as rows: the buttons in one row, each menu in a row of its own. */
function actionRows(actions: readonly CardAction[] | undefined): Row[] {
  const rows: Row[] = [];
  const buttons = actionRow(actions);
  if (buttons) rows.push(buttons);
  for (const action of actions ?? []) {
    const row = action.kind === 'menu' ? menuRow(action) : undefined;
    if (row) rows.push(row);
  }
  return rows;
}

/**
 * A card's or reply's actions as one row of buttons: stateless action ids (skipped when one would not
 * fit Discord's 100 characters) and link buttons to valid http(s) URLs; labels within 80 characters.
 */
export function actionRow(actions: readonly CardAction[] | undefined): APIActionRowComponent<APIButtonComponent> | undefined {
  const buttons: APIButtonComponent[] = [];
  for (const action of actions ?? []) {
    if (buttons.length >= LIMITS.buttonsPerRow) break;
    if (action.kind === 'menu') continue;
    const label = truncate(plain(stripBidi(action.label)), LIMITS.buttonLabel) || 'Open';
    if (action.kind === 'link') {
      const url = validUrl(action.url);
      if (url && url.length <= LIMITS.buttonUrl) buttons.push({ type: ComponentType.Button, style: ButtonStyle.Link, label, url });
    } else {
      const custom_id = encodeActionId({ action: action.action, args: action.args });
      if (custom_id) buttons.push({ type: ComponentType.Button, style: ButtonStyle.Secondary, label, custom_id });
    }
  }
  return buttons.length > 0 ? { type: ComponentType.ActionRow, components: buttons } : undefined;
}

/** Briefings are posted to channels: never ephemeral. */
export function renderBriefingMessages(reply: Reply, options: RenderOptions = {}): DiscordMessage[] {
  return renderReply({ ...reply, ephemeral: false }, options, { everyCardRow: true });
}

/** Options for interaction.reply / editReply / followUp. */
export function toInteractionOptions(message: DiscordMessage) {
  return {
    // No `content: ""` beside embeds: Discord allows it, a stricter compatible server may not.
    ...(message.content ? { content: message.content } : {}),
    embeds: message.embeds,
    ...(message.components?.length ? { components: message.components } : {}),
    allowedMentions: { parse: [] as [] },
    ...(message.ephemeral ? { flags: MessageFlags.Ephemeral as const } : {}),
  };
}

/** Body for POST /channels/:id/messages. */
export function toRestBody(message: DiscordMessage): RESTPostAPIChannelMessageJSONBody {
  return {
    ...(message.content ? { content: message.content } : {}),
    embeds: message.embeds,
    ...(message.components?.length ? { components: message.components } : {}),
    allowed_mentions: { parse: [] },
  };
}
