import type { ChannelRef, CommandInput, OptionValue } from '../core/command.ts';
import { UserError } from '../core/errors.ts';

/**
 * Typed access to command options. Transports already validate option types against the command's
 * definition; these guards exist so that a misbehaving transport produces a clear UserError rather
 * than a crash deep inside a service.
 */
export function optionalString(input: Pick<CommandInput, 'options'>, name: string): string | undefined {
  const value = input.options[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new UserError(`Option "${name}" must be text.`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function requiredString(input: Pick<CommandInput, 'options'>, name: string): string {
  const value = optionalString(input, name);
  if (value === undefined) throw new UserError(`Option "${name}" is required.`);
  return value;
}

export function optionalInteger(input: Pick<CommandInput, 'options'>, name: string, range: { min: number; max: number }): number | undefined {
  const value = input.options[name];
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw new UserError(`Option "${name}" must be a whole number.`);
  if (number < range.min || number > range.max) throw new UserError(`Option "${name}" must be between ${range.min} and ${range.max}.`);
  return number;
}

export function optionalChoice<T extends string>(input: Pick<CommandInput, 'options'>, name: string, choices: readonly T[]): T | undefined {
  const value = optionalString(input, name);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) throw new UserError(`Option "${name}" must be one of: ${choices.join(', ')}.`);
  return value as T;
}

/** Comma- or semicolon-separated list option ("china, energy security") → trimmed, de-duplicated values. */
export function optionalList(input: Pick<CommandInput, 'options'>, name: string): string[] | undefined {
  const value = optionalString(input, name);
  if (value === undefined) return undefined;
  const items = [...new Set(value.split(/[,;]/).map((item) => item.trim()).filter(Boolean))];
  return items.length > 0 ? items : undefined;
}

function isChannelRef(value: OptionValue | undefined): value is ChannelRef {
  return typeof value === 'object' && value !== null && typeof (value as ChannelRef).id === 'string';
}

export function channelLabel(channel: Pick<ChannelRef, 'id' | 'name'>): string {
  return `#${channel.name ?? channel.id}`;
}

/**
 * Guild commands run only inside a server: returns the guild id or explains why not.
 */
export function requireGuild(input: Pick<CommandInput, 'guildId'>): string {
  if (!input.guildId) throw new UserError('This command only works inside a server, not in direct messages.', 'guild_only');
  return input.guildId;
}

export const MODERATOR_MESSAGE = 'You need Manage Server or Manage Channels permission to use this command.';

/** Defence in depth: transports check `moderatorOnly` before execute, and commands check again here. */
export function requireModerator(input: Pick<CommandInput, 'invoker'>): void {
  if (!input.invoker.isModerator) throw new UserError(MODERATOR_MESSAGE, 'forbidden');
}

/**
 * A channel option that must belong to the guild the command runs in: a moderator of one server can
 * never configure another server's channels, even by pasting a channel id.
 */
export function channelOption(input: Pick<CommandInput, 'options' | 'guildId'>, name: string, required: true): ChannelRef;
export function channelOption(input: Pick<CommandInput, 'options' | 'guildId'>, name: string, required?: false): ChannelRef | undefined;
export function channelOption(input: Pick<CommandInput, 'options' | 'guildId'>, name: string, required = false): ChannelRef | undefined {
  const value = input.options[name];
  if (value === undefined || value === null) {
    if (required) throw new UserError(`Option "${name}" is required: pick a channel.`);
    return undefined;
  }
  if (!isChannelRef(value)) throw new UserError(`Option "${name}" must be a channel.`);
  const guildId = requireGuild(input);
  if (value.guildId !== undefined && value.guildId !== guildId) {
    throw new UserError(`${channelLabel(value)} belongs to another server: you can only configure channels of this server.`, 'other_guild');
  }
  return { ...value, guildId };
}
