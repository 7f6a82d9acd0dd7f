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
  /** ISO 8601. */
  timestamp?: string;
  color?: number;
}

export interface Reply {
  content?: string;
  cards?: Card[];
  /** Only the invoking user sees it (Discord ephemeral). */
  ephemeral?: boolean;
}

export interface Choice {
  name: string;
  value: string;
}
