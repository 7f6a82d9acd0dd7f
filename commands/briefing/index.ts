import { InteractionContextType } from 'discord-api-types/v10';
import { defineCommandGroup } from '../../src/core/command.ts';
import subscribe from './subscribe.ts';
import unsubscribe from './unsubscribe.ts';
import list from './list.ts';
import preview from './preview.ts';
import sendNow from './send-now.ts';

export default defineCommandGroup({
  data: { name: 'briefing', description: 'Daily briefings of new reports in a channel', contexts: [InteractionContextType.Guild] },
  guildOnly: true,
  subcommands: [subscribe, unsubscribe, list, preview, sendNow],
});
