import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
  type APIEmbedField,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import type { Card, CardAction, CardLink, Reply } from '../core/reply.ts';
import { encodeActionId } from '../core/actions.ts';
import { stripBidi, cutPoint as wordCutPoint, truncate as truncateText } from '../presentation/text.ts';

export { stripBidi };

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
export const LIMITS = {
  content: 2000,
  embedsPerMessage: 10,
  embedTotal: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  url: 2048,
  actionRows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  buttonUrl: 512,
  choices: 25,
  choiceName: 100,
  choiceValue: 100,
} as const;

/** A long description or content is split into at most this many parts before being truncated. */
const MAX_DESCRIPTION_PARTS = 3;
const MAX_CONTENT_PARTS = 3;
/** Link lines of a card beyond these many embeds are counted instead of shown. */
const MAX_LINK_EMBEDS = 3;
const ZWSP = '\u200b';
const ELLIPSIS = '…';

export interface DiscordMessage {
  content?: string;
  embeds: APIEmbed[];
  ephemeral: boolean;
  /** Rows of buttons (Summary, Key actors, Previous/Next), at most 5. */
  components?: APIActionRowComponent<APIButtonComponent>[];
}

export interface RenderOptions {
  /**
   * Channel mentions (<#id>) never ping; commands use them to link channels of the guild. Those for
   * which this returns true are kept, every other one is neutralised like any mention.
   */
  isKnownChannel?: (channelId: string) => boolean;
}

// ───────────────────────────── escaping ─────────────────────────────

const URL_PATTERN = /\bhttps?:\/\/[^\s<>]+[^\s<>.,;:!?'")\]]/gi;

/** Neutralises everything that could notify someone: @everyone, @here, <@user>, <@!user>, <@&role>. */
export function neutraliseMentions(text: string, options: RenderOptions = {}): string {
  // Stripped first: a control inside "@\u202eeveryone" must not hide a mention from the checks below.
  return stripBidi(text)
    .replace(/@(everyone|here)/gi, `@${ZWSP}$1`)
    .replace(/<@/g, `<${ZWSP}@`)
    .replace(/<#(\d+)>/g, (whole, id: string) => (options.isKnownChannel?.(id) ? whole : `<${ZWSP}#${id}>`));
}

/** Escapes Markdown (bold, code, spoilers, headings, lists, block quotes, masked links) outside URLs. */
export function escapeText(raw: string, options: RenderOptions = {}): string {
  const text = stripBidi(raw);
  let out = '';
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    out += escapeMarkdownFully(text.slice(last, match.index));
    out += match[0];
    last = match.index + match[0].length;
  }
  out += escapeMarkdownFully(text.slice(last));
  return neutraliseMentions(out, options);
}

/**
 * Hand-written rather than discord.js's escapeMarkdown: that one costs ~30 ms on a 14 kB report (it
 * re-scans per rule and per code block) and leaves block quotes and subtext alone. Discord honours a
 * backslash before any punctuation, so escaping every Markdown character is safe and linear.
 */
function escapeMarkdownFully(text: string): string {
  if (!text) return text;
  return text
    .replace(/[\\*_~|`[\]]/g, '\\$&')
    .replace(/^([ \t]*)(#{1,3} |-# |>|[-+] |\d+\. )/gm, (_whole, indent: string, marker: string) =>
      /^\d/.test(marker) ? `${indent}${marker.replace('.', '\\.')}` : `${indent}\\${marker}`,
    )
    // Timestamps (<t:…>) are kept: they ping nobody, and cards use them for the next briefing time.
    .replace(/<(a?:\w+:\d+)>/g, `<${ZWSP}$1>`)
    .replace(/<\/([\w -]+:\d+)>/g, `<${ZWSP}/$1>`);
}

/** For places Discord renders without Markdown (author, footer): normalise whitespace (mentions are still neutralised). */
function plain(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// ───────────────────────────── cutting ─────────────────────────────

/** Cuts `text` to at most `max` code units at a word boundary, ending in "…" (never after a lone escape backslash). */
export function truncate(text: string, max: number): string {
  return truncateText(text, max, stripDanglingEscape);
}

/** Ends `text` (already cut from something longer) with "…", within `max`. */
function withEllipsis(text: string, max: number): string {
  const cut = text.length <= max - ELLIPSIS.length ? text.length : cutPoint(text, max - ELLIPSIS.length);
  return `${stripDanglingEscape(text.slice(0, cut).trimEnd())}${ELLIPSIS}`;
}

/** Splits `text` into parts of at most `max` at paragraph, line, sentence or word boundaries. */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const cut = cutPoint(rest, max, true);
    const head = stripDanglingEscape(rest.slice(0, cut).trimEnd());
    parts.push(head || rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

function cutPoint(text: string, max: number, preferParagraphs = false): number {
  const window = text.slice(0, max + 1);
  const floor = Math.floor(max * 0.6);
  if (preferParagraphs) {
    for (const separator of ['\n\n', '\n', '. ']) {
      const at = window.lastIndexOf(separator);
      if (at >= floor && at + separator.length <= max) return at + separator.length;
    }
  }
  // A word boundary, else a hard cut that never splits a surrogate pair (an emoji would turn into a replacement character).
  return wordCutPoint(text, max);
}

/** A cut right after a backslash would escape the next character (or the ellipsis): drop it. */
function stripDanglingEscape(text: string): string {
  const trailing = /\\+$/.exec(text)?.[0].length ?? 0;
  return trailing % 2 === 1 ? text.slice(0, -1) : text;
}

/**
 * Escapes then truncates. Escaping only lengthens text, so raw text is cut first (one character over the
 * limit, so that truncation still marks the cut): a 1 MB report costs no more than a short one.
 */
function escapedWithin(raw: string, max: number, options: RenderOptions): string {
  return truncate(escapeText(raw.length > max ? raw.slice(0, max + 1) : raw, options), max);
}

function escapedParts(raw: string, max: number, parts: number, options: RenderOptions): string[] {
  const budget = max * parts;
  return splitText(escapeText(raw.length > budget ? raw.slice(0, budget + max) : raw, options), max);
}

function nonEmpty(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t ? t : undefined;
}

// ───────────────────────────── cards → embeds ─────────────────────────────

export function embedSize(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

function validUrl(url: string | undefined): string | undefined {
  if (!url || url.length > LIMITS.url) return undefined;
  try {
    const parsed = new URL(url.trim());
    // Normalising can lengthen the URL (percent-encoding); Discord checks the length of what it receives.
    const ok = (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '' && parsed.href.length <= LIMITS.url;
    return ok ? parsed.href : undefined;
  } catch {
    return undefined;
  }
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
export function linkLine(link: CardLink, options: RenderOptions = {}): string {
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
export function cardToEmbeds(card: Card, options: RenderOptions = {}): APIEmbed[] {
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
  const linkParts = packLinks((card.links ?? []).map((link) => linkLine(link, options)), LIMITS.description, MAX_LINK_EMBEDS);
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

/** Renders a reply into as many messages as Discord's limits need (normally one). */
export function renderReply(reply: Reply, options: RenderOptions = {}): DiscordMessage[] {
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
  for (const card of cards) {
    card.embeds.forEach((embed, i) => {
      const s = embedSize(embed);
      if (current.embeds.length >= LIMITS.embedsPerMessage || (current.embeds.length > 0 && size + s > LIMITS.embedTotal)) {
        messages.push(current);
        current = { embeds: [], ephemeral };
        size = 0;
      }
      current.embeds.push(embed);
      size += s;
      // A card's buttons go with the message that shows its first embed, while rows are left.
      if (i === 0 && card.row) addRow(current, card.row, reply.actions?.length ? 1 : 0);
    });
  }
  if (current.content !== undefined || current.embeds.length > 0) messages.push(current);
  if (messages.length === 0) messages.push({ content: 'Nothing to show.', embeds: [], ephemeral });
  const replyRow = actionRow(reply.actions);
  if (replyRow) addRow(messages[messages.length - 1]!, replyRow, 0);
  return messages;
}

// ───────────────────────────── buttons ─────────────────────────────

function addRow(message: DiscordMessage, row: APIActionRowComponent<APIButtonComponent>, reserved: number): void {
  const rows = (message.components ??= []);
  if (rows.length < LIMITS.actionRows - reserved) rows.push(row);
}

/**
 * A card's or reply's actions as one row of buttons: stateless action ids (skipped when one would not
 * fit Discord's 100 characters) and link buttons to valid http(s) URLs; labels within 80 characters.
 */
export function actionRow(actions: readonly CardAction[] | undefined): APIActionRowComponent<APIButtonComponent> | undefined {
  const buttons: APIButtonComponent[] = [];
  for (const action of actions ?? []) {
    if (buttons.length >= LIMITS.buttonsPerRow) break;
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
  return renderReply({ ...reply, ephemeral: false }, options);
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
