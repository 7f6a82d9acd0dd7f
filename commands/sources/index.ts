import { InteractionContextType, PermissionFlagsBits } from 'discord-api-types/v10';
import { defineCommandGroup } from '../../src/core/command.ts';
import add from './add.ts';
import list from './list.ts';
import remove from './remove.ts';

export default defineCommandGroup({
  data: {
    name: 'sources',
    description: "This server's report feeds (moderators)",
    contexts: [InteractionContextType.Guild],
    // Discord requires every bit of default_member_permissions, so only one of the two moderator permissions
    // can be the default; Manage Channels is the narrower one. The dispatcher accepts either (invoker.isModerator).
    default_member_permissions: PermissionFlagsBits.ManageChannels.toString(),
  },
  guildOnly: true,
  moderator: true,
  subcommands: [add, list, remove],
});
