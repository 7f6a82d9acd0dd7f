import { ApplicationCommandOptionType, ApplicationCommandType, InteractionContextType } from 'discord-api-types/v10';
import { defineMessageMenu, type CommandServices } from '../src/core/command.ts';
import { UserError } from '../src/core/errors.ts';
import { SlidingWindowLimiter } from '../src/core/rate-limit.ts';
import { actorsCard, summaryCard } from '../src/presentation/analysis.ts';
import { timestampTag } from '../src/presentation/dates.ts';
import { addArticle, linksIn } from './_shared/articles.ts';

/** Each person may have this many links summarised per window: every one is a fetch and an analysis. */
export const SUMMARISE_LINK_LIMIT = { uses: 5, windowMs: 10 * 60_000 } as const;

// One limiter per set of services (one App), so separate apps (tests, fleets in one process) never share counts.
const limiters = new WeakMap<object, SlidingWindowLimiter>();
function limiterFor(services: CommandServices): SlidingWindowLimiter {
  let limiter = limiters.get(services);
  if (!limiter) {
    limiter = new SlidingWindowLimiter(SUMMARISE_LINK_LIMIT.uses, SUMMARISE_LINK_LIMIT.windowMs, services.clock);
    limiters.set(services, limiter);
  }
  return limiter;
}

/**
 * "Summarise link" in a message's Apps menu: the first http(s) link of the message is fetched (fetch
 * rules), stored in this server's scope, and answered privately with its summary and key actors. For
 * every member, rate-limited per person. The terminal runs it as `summarise-link <url>`.
 */
export default defineMessageMenu({
  data: { name: 'Summarise link', type: ApplicationCommandType.Message, contexts: [InteractionContextType.Guild] },
  aliases: ['summarise-link', 'summarize-link'],
  // Filled by the Discord router from the target message (its text and its embeds' links); typed in the terminal.
  options: [{ type: ApplicationCommandOptionType.String, name: 'message', description: 'Text with an http(s) link', required: true, max_length: 6000 }],
  guildOnly: true,
  defer: 'ephemeral',
  async execute({ args, guildId, invoker }, { services }) {
    const [url] = linksIn(args.message);
    if (!url) throw new UserError('That message has no http(s) link to summarise.', 'no_link');
    const allowed = limiterFor(services).take(`${guildId}:${invoker.id}`);
    if (!allowed.ok) {
      // Rounded up to the second, so "try again" is never a moment too early.
      const at = new Date(Math.ceil(allowed.retryAt.getTime() / 1000) * 1000);
      throw new UserError(
        `You have summarised ${SUMMARISE_LINK_LIMIT.uses} links in the last ${SUMMARISE_LINK_LIMIT.windowMs / 60_000} minutes, the most allowed. Try again ${timestampTag(at, 'R')} (${timestampTag(at, 'T')}).`,
        'rate_limited',
      );
    }
    const { report } = await addArticle(services, url, guildId);
    const model = services.analysis.model;
    const [summary, actors] = await Promise.all([services.analysis.summarise(report, { length: 'standard' }), services.analysis.actors(report)]);
    return { ephemeral: true, cards: [summaryCard(report, summary, model), actorsCard(report, actors, model)] };
  },
});
