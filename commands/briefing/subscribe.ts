import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineSubcommand, type SubcommandData } from '../../src/core/command.ts';
import { parseSubscribeInput, type SubscribeInput } from '../../src/briefings/subscriptions.ts';
import { subscriptionDetails } from '../../src/presentation/subscriptions.ts';
import { channelLabel } from '../../src/presentation/text.ts';
import { listOption } from '../_shared/lists.ts';
import { timeZoneChoices } from '../_shared/timezones.ts';
import type { TargetKind } from '../../src/briefings/types.ts';
import { UserError } from '../../src/core/errors.ts';
import { describerOf, findSubscription, NAME_OPTION, nameArg, requireAccess, TEXT_CHANNELS } from './shared.ts';

const data = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'subscribe',
  description: 'Post a briefing of new reports in a channel every day (moderators)',
  options: [
    { type: ApplicationCommandOptionType.Channel, name: 'channel', description: 'Where to post', required: true, channel_types: [...TEXT_CHANNELS] },
    {
      type: ApplicationCommandOptionType.String,
      name: 'time',
      description: 'HH:MM, 24-hour (e.g. 08:00), or a cron expression such as "0 8 * * 1-5"',
      required: true,
      max_length: 100,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'timezone',
      description: 'IANA timezone, e.g. Europe/Rome (start typing a city)',
      required: true,
      autocomplete: true,
      max_length: 64,
    },
    { type: ApplicationCommandOptionType.String, name: 'topics', description: 'Only reports about these topics or keywords, comma-separated', max_length: 300 },
    {
      type: ApplicationCommandOptionType.String,
      name: 'format',
      description: 'compact: headlines with a line each; full: summaries and actors (default)',
      choices: [
        { name: 'compact', value: 'compact' },
        { name: 'full', value: 'full' },
      ],
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'empty',
      description: 'On days with nothing new (default: skip)',
      choices: [
        { name: 'skip the day', value: 'skip' },
        { name: 'post a short notice', value: 'notice' },
      ],
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'actors',
      description: 'Only reports naming these actors, comma-separated (e.g. China, NATO)',
      max_length: 300,
    },
    { type: ApplicationCommandOptionType.String, name: 'regions', description: 'Only reports about these regions, comma-separated', max_length: 300 },
    { type: ApplicationCommandOptionType.String, name: 'sources', description: 'Only reports from these publishers, comma-separated', max_length: 300 },
    NAME_OPTION,
    { type: ApplicationCommandOptionType.Boolean, name: 'thread', description: 'Text channels: open a new thread for each briefing, titled with its date' },
  ],
} as const satisfies SubcommandData;

export default defineSubcommand({
  data,
  guildOnly: true,
  moderator: true,
  async execute({ args, guildId, invoker }, ctx) {
    const { services } = ctx;
    const { channel } = args;
    const name = nameArg(args.name);
    const request: SubscribeInput = {
      guildId,
      channelId: channel.id,
      // One option takes either form: "08:00", or a cron expression (it has spaces or asterisks).
      ...(/[\s*]/.test(args.time) ? { cron: args.time } : { time: args.time }),
      timezone: args.timezone,
      topics: listOption('topics', args.topics),
      actors: listOption('actors', args.actors),
      regions: listOption('regions', args.regions),
      sources: listOption('sources', args.sources),
      format: args.format,
      emptyPolicy: args.empty,
      createdBy: invoker.id,
      // Named subscriptions (CONTRACTS §6): a service without them ignores the name.
      ...(name ? { name } : {}),
    };
    // Input mistakes are reported before asking Discord about the channel, and nothing is written.
    parseSubscribeInput(request);
    const newThread = args.thread === true;
    const access = await requireAccess(ctx, guildId, channel, { newThread });
    if (newThread && access.kind) {
      throw new UserError(
        `thread: true is for text channels: ${channelLabel(channel)} is ${access.kind === 'forum' ? 'a forum (each briefing is its own post already)' : access.kind === 'thread' ? 'a thread already' : 'an announcement channel (its briefings are crossposted)'}. Leave thread out.`,
        'thread_not_applicable',
      );
    }
    const target: TargetKind = access.kind ?? (newThread ? 'new-thread' : 'channel');
    request.target = target;
    const existing = await findSubscription(services, guildId, channel, name ?? undefined).catch(() => undefined);
    const subscription = await services.subscriptions.subscribe(request);
    const named = name ? ` (“${name}”)` : '';
    return {
      cards: [
        {
          title: `${existing ? 'Briefing updated' : 'Briefing scheduled'} for ${channelLabel(channel)}${named}`,
          description: subscriptionDetails(subscription, describerOf(services), services.clock.now()),
          footer: 'Preview it with /briefing preview · post one now with /briefing send-now',
        },
      ],
    };
  },
  async autocomplete(input) {
    return input.focused.name === 'timezone' ? timeZoneChoices(input.focused.value) : [];
  },
});
