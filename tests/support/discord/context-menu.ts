import type { FakeDiscord, InteractionHandle } from './server.ts';
import { snowflake } from './server.ts';

type Json = Record<string, any>;

/**
 * A message context-menu interaction (Apps → a menu command on a message), sent through the fake server's
 * generic `interact`: type 2 with `data.type` 3, the target message in `data.resolved.messages`, as
 * Discord sends it. `context` is the guild, channel and member part of another interaction's payload of
 * the same person (e.g. `handle.payload` without id, token, type and data).
 */
export function messageMenu(
  fake: FakeDiscord,
  context: Json,
  name: string,
  message: { content: string; embeds?: Json[]; authorId?: string },
): InteractionHandle {
  const messageId = snowflake();
  const author = { id: message.authorId ?? snowflake(), username: 'poster', discriminator: '0', global_name: null, avatar: null };
  const target = {
    id: messageId,
    channel_id: context.channel_id,
    ...(context.guild_id ? { guild_id: context.guild_id } : {}),
    author,
    content: message.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: message.embeds ?? [],
    pinned: false,
    type: 0,
    flags: 0,
    components: [],
  };
  const command = [...fake.commands.global, ...[...fake.commands.guild.values()].flat()].find((c) => c.name === name);
  return fake.interact({
    ...context,
    type: 2,
    data: { id: command?.id ?? snowflake(), name, type: 3, target_id: messageId, resolved: { messages: { [messageId]: target } } },
  });
}

/** The guild, channel and member part of an interaction's payload, to send another interaction as the same person. */
export function contextOf(handle: InteractionHandle): Json {
  const { id: _id, token: _token, data: _data, type: _type, ...context } = handle.payload;
  return context;
}
