import type { Card, CardAction, Reply } from '../core/reply.ts';
import { encodeActionId } from '../core/actions.ts';
import type { Briefing } from '../briefings/types.ts';
import { presentBriefing } from '../presentation/briefing.ts';
import { stripBidi } from '../presentation/text.ts';

/**
 * Replies and briefings as plain terminal text: the same cards Discord shows as embeds, printed as
 * titled blocks. Light markdown that presenters may use (bold, links, channel mentions) is flattened.
 */

const WIDTH = 100;

export function flattenMarkdown(text: string): string {
  // Escaped characters are set aside first so that "\\*" never opens emphasis.
  const escaped: string[] = [];
  return (
    stripBidi(text)
      .replace(/\\([*_~`|>\\[\]()#-])/g, (_m, char: string) => `\u0000${escaped.push(char) - 1}\u0000`)
      .replace(/\[([^\]\n]+)\]\(<?(https?:\/\/[^)\s>]+)>?\)/g, '$1 <$2>')
      .replace(/\*\*([^*\n]+)\*\*/g, '$1')
      .replace(/__([^_\n]+)__/g, '$1')
      // Emphasis only when the asterisks hug the text, so "0 7 * * 1-5" and "a * b" survive.
      .replace(/(^|[^\w*])\*(\S(?:[^*\n]*\S)?)\*(?=[^\w*]|$)/g, '$1$2')
      .replace(/<#(\w+)>/g, '#$1')
      .replace(/<t:(\d+)(?::\w)?>/g, (_m, seconds: string) => `${new Date(Number(seconds) * 1000).toISOString().replace('T', ' ').slice(0, 16)} UTC`)
      .replace(/^>\s?/gm, '  ')
      .replace(/\u0000(\d+)\u0000/g, (_m, index: string) => escaped[Number(index)] ?? '')
  );
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line ? prefix + line : line))
    .join('\n');
}

/**
 * Buttons as numbered follow-ups ("Actions: [1] Summary · [2] Key actors · Original <https://…>"): typing
 * the number at the prompt runs the action. `followUps` collects the action ids, number n at index n-1.
 */
function actionsLine(actions: readonly CardAction[] | undefined, followUps: string[] | undefined): string | undefined {
  if (!followUps || !actions || actions.length === 0) return undefined;
  const offer = (action: string, args: string[], label: string): string | undefined => {
    const id = encodeActionId({ action, args });
    if (!id) return undefined;
    followUps.push(id);
    return `[${followUps.length}] ${label}`;
  };
  const parts: string[] = [];
  const menus: string[] = [];
  for (const action of actions) {
    if (action.kind === 'link') parts.push(`${action.label} <${action.url}>`);
    else if (action.kind === 'action') parts.push(offer(action.action, action.args, action.label) ?? '');
    else {
      // A menu's options are follow-ups of their own, one a line ("Open a summary: [4] Title").
      const options = action.options.map((o) => offer(action.action, [...action.args, o.value], flattenMarkdown(o.label))).filter(Boolean);
      if (options.length > 0) menus.push(`${action.placeholder.replace(/[.…\s]+$/, '')}:`, ...options.map((o) => `  ${o}`));
    }
  }
  const line = parts.filter(Boolean).length > 0 ? `Actions: ${parts.filter(Boolean).join(' · ')}` : undefined;
  return [line, ...menus].filter(Boolean).join('\n') || undefined;
}

export function renderCard(card: Card, followUps?: string[]): string {
  const lines: string[] = [];
  if (card.author) lines.push(flattenMarkdown(card.author));
  if (card.title) {
    const title = flattenMarkdown(card.title);
    lines.push(title, '─'.repeat(Math.min(Math.max(title.length, 3), WIDTH)));
  }
  if (card.url) lines.push(card.url);
  if (card.description) lines.push('', flattenMarkdown(card.description));
  if (card.links && card.links.length > 0) {
    lines.push('', ...card.links.map((link) => `• ${flattenMarkdown(link.title)} <${link.url}>${link.note ? ` — ${flattenMarkdown(link.note)}` : ''}`));
  }
  if (card.fields && card.fields.length > 0) {
    lines.push('');
    for (const field of card.fields) {
      const value = flattenMarkdown(field.value);
      if (!value.includes('\n') && field.name.length + value.length < WIDTH - 4) lines.push(`${flattenMarkdown(field.name)}: ${value}`);
      else lines.push(`${flattenMarkdown(field.name)}:`, indent(value, '  '));
    }
  }
  if (card.footer) lines.push('', `— ${flattenMarkdown(card.footer)}`);
  const actions = actionsLine(card.actions, followUps);
  if (actions) lines.push(actions);
  return lines.join('\n');
}

/** A reply as text; with `followUps`, its buttons become numbered follow-ups (see actionsLine). */
export function renderReply(reply: Reply, followUps?: string[]): string {
  const blocks: string[] = [];
  if (reply.content) blocks.push(flattenMarkdown(reply.content));
  for (const card of reply.cards ?? []) blocks.push(renderCard(card, followUps));
  const actions = actionsLine(reply.actions, followUps);
  if (actions) blocks.push(actions);
  return blocks.join('\n\n');
}

export function renderBriefingText(briefing: Briefing): string {
  return renderReply(presentBriefing(briefing));
}
