/**
 * Discord's documented message limits, checked independently of src/discord/render.ts so that the
 * renderer's tests and the fake server do not share the renderer's own idea of the limits.
 * Discord developer docs: discord.com/developers/docs/resources/message#embed-object-embed-limits
 */
export const DISCORD_LIMITS = {
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
  choices: 25,
  choiceName: 100,
  choiceValue: 100,
} as const;

interface EmbedLike {
  title?: string;
  description?: string;
  url?: string;
  fields?: Array<{ name?: string; value?: string; inline?: boolean }>;
  footer?: { text?: string };
  author?: { name?: string };
}

export interface MessageLike {
  content?: string;
  embeds?: EmbedLike[];
}

/** Discord counts characters as UTF-16 code units (JavaScript string length). */
const len = (s: string | undefined) => (s ?? '').length;

/** Every way `message` would be rejected by Discord (empty list when it is valid). */
export function messageProblems(message: MessageLike): string[] {
  const problems: string[] = [];
  const embeds = message.embeds ?? [];
  if (len(message.content) > DISCORD_LIMITS.content) problems.push(`content is ${len(message.content)} > 2000`);
  if (embeds.length > DISCORD_LIMITS.embedsPerMessage) problems.push(`${embeds.length} embeds > 10`);
  if (!message.content && embeds.length === 0) problems.push('empty message');
  let total = 0;
  embeds.forEach((embed, i) => {
    const at = `embeds[${i}]`;
    if (len(embed.title) > DISCORD_LIMITS.title) problems.push(`${at}.title is ${len(embed.title)} > 256`);
    if (len(embed.description) > DISCORD_LIMITS.description) problems.push(`${at}.description is ${len(embed.description)} > 4096`);
    if (len(embed.footer?.text) > DISCORD_LIMITS.footer) problems.push(`${at}.footer is ${len(embed.footer?.text)} > 2048`);
    if (len(embed.author?.name) > DISCORD_LIMITS.author) problems.push(`${at}.author is ${len(embed.author?.name)} > 256`);
    if (embed.footer && !embed.footer.text) problems.push(`${at}.footer.text is empty`);
    if (embed.author && !embed.author.name) problems.push(`${at}.author.name is empty`);
    const fields = embed.fields ?? [];
    if (fields.length > DISCORD_LIMITS.fields) problems.push(`${at} has ${fields.length} fields > 25`);
    fields.forEach((field, j) => {
      if (!field.name?.trim()) problems.push(`${at}.fields[${j}].name is empty`);
      if (!field.value?.trim()) problems.push(`${at}.fields[${j}].value is empty`);
      if (len(field.name) > DISCORD_LIMITS.fieldName) problems.push(`${at}.fields[${j}].name is ${len(field.name)} > 256`);
      if (len(field.value) > DISCORD_LIMITS.fieldValue) problems.push(`${at}.fields[${j}].value is ${len(field.value)} > 1024`);
    });
    if (embed.url !== undefined && !/^https?:\/\//.test(embed.url)) problems.push(`${at}.url is not http(s)`);
    const size =
      len(embed.title) +
      len(embed.description) +
      len(embed.footer?.text) +
      len(embed.author?.name) +
      fields.reduce((n, f) => n + len(f.name) + len(f.value), 0);
    if (size === 0) problems.push(`${at} is empty`);
    total += size;
  });
  if (total > DISCORD_LIMITS.embedTotal) problems.push(`embeds total ${total} > 6000`);
  return problems;
}

export function choiceProblems(choices: Array<{ name?: string; value?: unknown }>): string[] {
  const problems: string[] = [];
  if (choices.length > DISCORD_LIMITS.choices) problems.push(`${choices.length} choices > 25`);
  choices.forEach((c, i) => {
    if (!c.name || len(c.name) > DISCORD_LIMITS.choiceName) problems.push(`choices[${i}].name length ${len(c.name)} not in 1..100`);
    if (typeof c.value === 'string' && (len(c.value) > DISCORD_LIMITS.choiceValue || c.value.length === 0)) {
      problems.push(`choices[${i}].value length ${c.value.length} not in 1..100`);
    }
  });
  return problems;
}

/**
 * Text that would notify someone if Discord parsed mentions: @everyone, @here, <@id>, <@!id>, <@&id>.
 * (Channel links <#id> do not ping but are neutralised by the renderer too.)
 */
export function pingingFragments(text: string): string[] {
  return text.match(/@(?:everyone|here)\b|<@[!&]?\d+>|<#\d+>/g) ?? [];
}
