import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import type { BasicOptionData, ChannelRef, OptionValue, RawOptions } from './command.ts';
import { UserError } from './errors.ts';

/**
 * Checks raw option values against the command's own definition, bot-side: the terminal, tests and a
 * misbehaving client all bypass Discord's checks, so types, choices, min/max length and min/max value are
 * enforced here for every transport. Text is trimmed and empty text counts as absent.
 */

/** Characters that show nothing: format controls (bidi marks, zero-width joiners, BOM), separators and the invisible fillers. */
const INVISIBLE = /[\p{Cf}\p{Zs}\p{Zl}\p{Zp}\p{Cc}\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180b-\u180f\ufe00-\ufe0f]/gu;

/** True when `text` is non-empty yet shows nothing (only zero-width, bidi, filler or space characters). */
export function isInvisibleOnly(text: string): boolean {
  return text.length > 0 && text.replace(INVISIBLE, '').length === 0;
}

/** A bad value as it may be echoed: whitespace collapsed, never the whole of a 3,000-character paste. */
export function shorten(value: unknown, max = 60): string {
  const text = String(value).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/** `shorten`, in quotes. */
export function echo(value: unknown, max = 60): string {
  return `“${shorten(value, max)}”`;
}

const count = (n: number) => n.toLocaleString('en-GB');

function isChannelRef(value: unknown): value is ChannelRef {
  return typeof value === 'object' && value !== null && typeof (value as ChannelRef).id === 'string';
}

function checkString(option: Extract<BasicOptionData, { type: ApplicationCommandOptionType.String }>, value: unknown): string | undefined {
  if (typeof value !== 'string') throw new UserError(`Option "${option.name}" must be text.`);
  const text = value.trim();
  if (text === '') return undefined;
  if (isInvisibleOnly(text)) throw new UserError(`Option "${option.name}" holds only invisible characters: type visible text.`, 'bad_input');
  if (option.choices && option.choices.length > 0) {
    const choice = option.choices.find((c) => c.value === text) ?? option.choices.find((c) => c.value.toLowerCase() === text.toLowerCase());
    if (!choice) throw new UserError(`Option "${option.name}" must be one of: ${option.choices.map((c) => c.value).join(', ')}.`);
    return choice.value;
  }
  if (option.max_length !== undefined && text.length > option.max_length) {
    throw new UserError(
      `Option "${option.name}" is too long: at most ${count(option.max_length)} characters (this one has ${count(text.length)}).`,
      'too_long',
    );
  }
  if (option.min_length !== undefined && text.length < option.min_length) {
    throw new UserError(`Option "${option.name}" is too short: at least ${count(option.min_length)} characters.`, 'too_short');
  }
  return text;
}

function checkNumber(
  option: Extract<BasicOptionData, { type: ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.Number }>,
  value: unknown,
): number {
  const integer = option.type === ApplicationCommandOptionType.Integer;
  const parsed = typeof value === 'string' && /^[+-]?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || (integer && !Number.isInteger(parsed))) {
    throw new UserError(`Option "${option.name}" must be ${integer ? 'a whole number' : 'a number'} (got ${echo(value, 20)}).`);
  }
  if (option.choices && option.choices.length > 0 && !option.choices.some((c) => c.value === parsed)) {
    throw new UserError(`Option "${option.name}" must be one of: ${option.choices.map((c) => c.value).join(', ')}.`);
  }
  const min = option.min_value;
  const max = option.max_value;
  if ((min !== undefined && parsed < min) || (max !== undefined && parsed > max)) {
    const range = min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
    throw new UserError(`Option "${option.name}" must be ${range} (got ${parsed}).`, 'out_of_range');
  }
  return parsed;
}

function checkChannel(option: BasicOptionData, value: unknown, guildId: string | undefined): ChannelRef {
  if (!isChannelRef(value) || !value.id.trim()) throw new UserError(`Option "${option.name}" must name a channel: pick one from the list.`, 'bad_channel');
  if (!guildId) throw new UserError('This command only works inside a server, not in direct messages.', 'guild_only');
  if (value.guildId !== undefined && value.guildId !== guildId) {
    const label = value.name?.trim() ? `#${value.name.trim()}` : 'That channel';
    throw new UserError(`${label} belongs to another server: you can only configure channels of this server.`, 'other_guild');
  }
  return { ...value, guildId };
}

function checkOne(option: BasicOptionData, value: unknown, guildId: string | undefined): OptionValue | undefined {
  switch (option.type) {
    case ApplicationCommandOptionType.String:
      return checkString(option, value);
    case ApplicationCommandOptionType.Integer:
    case ApplicationCommandOptionType.Number:
      return checkNumber(option, value);
    case ApplicationCommandOptionType.Boolean:
      if (typeof value !== 'boolean') throw new UserError(`Option "${option.name}" must be true or false.`);
      return value;
    case ApplicationCommandOptionType.Channel:
      return checkChannel(option, value, guildId);
    default:
      if (typeof value !== 'string') throw new UserError(`Option "${option.name}" has an unexpected value.`);
      return value;
  }
}

/** The handler's arguments: every declared option checked; undeclared ones dropped. */
export function validateOptions(options: readonly BasicOptionData[], raw: RawOptions, guildId: string | undefined): Record<string, OptionValue | undefined> {
  const args: Record<string, OptionValue | undefined> = {};
  for (const option of options) {
    const value = raw[option.name];
    const checked = value === undefined || value === null ? undefined : checkOne(option, value, guildId);
    if (checked === undefined && option.required) {
      throw new UserError(
        option.type === ApplicationCommandOptionType.Channel ? `Option "${option.name}" is required: pick a channel.` : `Option "${option.name}" is required.`,
        'missing_option',
      );
    }
    args[option.name] = checked;
  }
  return args;
}
