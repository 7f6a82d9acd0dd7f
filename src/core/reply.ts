/**
 * Transport-neutral output of commands and briefings. `src/discord/render` turns it into embeds within
 * Discord's limits; `src/terminal` prints it as text. Nothing here knows Discord's limits.
 */
export interface CardField {
  name: string;
  value: string;
  inline?: boolean;
}

/** A link shown as the title (a masked link on Discord, "title <url>" in the terminal). */
export interface CardLink {
  title: string;
  url: string;
  /** Plain text after the link, e.g. "SpecialEurasia, 14 Aug 2023". */
  note?: string;
}

/**
 * Something a reader can do from a card or a reply: run an action of a command (a button on Discord:
 * Summary, Key actors, Next page) or open a link. Actions are stateless: their `args` say everything,
 * so they keep working after a restart and on any shard.
 */
export type CardAction =
  | { kind: 'action'; label: string; action: string; args: string[] }
  | { kind: 'link'; label: string; url: string }
  /** A choice among many (a select menu on Discord): picking an option runs `action` with its value as the last argument. */
  | { kind: 'menu'; placeholder: string; action: string; args: string[]; options: Array<{ label: string; value: string; description?: string }> };

export interface Card {
  title?: string;
  url?: string;
  /** Author line above the title, e.g. the source. */
  author?: string;
  description?: string;
  fields?: CardField[];
  /** Links listed after the description, one a line. Typed so renderers can build real links within limits. */
  links?: CardLink[];
  footer?: string;
  /** Buttons under the card. */
  actions?: CardAction[];
  /** ISO 8601. */
  timestamp?: string;
  color?: number;
}

export interface Reply {
  content?: string;
  cards?: Card[];
  /** Only the invoking user sees it (Discord ephemeral). */
  ephemeral?: boolean;
  /** Buttons under the whole reply, e.g. Previous / Next page. */
  actions?: CardAction[];
}

export interface Choice {
  name: string;
  value: string;
}
