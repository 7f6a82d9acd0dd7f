import { DiscordAPIError, HTTPError, RateLimitError, RESTJSONErrorCodes } from 'discord.js';
import { DeliveryError, type DeliveryFailureKind } from '../briefings/transport.ts';
import { errorMessage } from '../core/errors.ts';

/**
 * Discord API errors a moderator can do something about, in words they can act on (after Skyra's
 * mapping of 50013 / 50001 / 10003). Anything not listed here is an unexpected error.
 */
const MESSAGES: Partial<Record<number, string>> = {
  [RESTJSONErrorCodes.MissingPermissions]:
    "I'm missing a permission there. Check that my role has View Channel, Send Messages and Embed Links in that channel (channel settings → Permissions).",
  [RESTJSONErrorCodes.MissingAccess]:
    "I can't see that channel. Give my role the View Channel permission there (channel settings → Permissions), or pick another channel.",
  [RESTJSONErrorCodes.UnknownChannel]: 'That channel no longer exists, or I am not in its server. Pick another channel.',
  [RESTJSONErrorCodes.UnknownMessage]: 'The message I was updating was deleted. Run the command again.',
  [RESTJSONErrorCodes.UnknownGuild]: "I'm not in that server any more. Invite me again to use it.",
  [RESTJSONErrorCodes.UnknownInteraction]: 'Discord gave up waiting for my answer. Please run the command again.',
  [RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged]: 'That command was already answered.',
  [RESTJSONErrorCodes.CannotSendMessagesToThisUser]: "I can't send messages to that user.",
  [RESTJSONErrorCodes.CannotSendMessagesInNonTextChannel]: "That channel doesn't take text messages. Pick a text or announcement channel.",
  [RESTJSONErrorCodes.InvalidFormBodyOrContentType]: 'Discord refused the message I built. This is a bug in Sitrep; please report it with the error id.',
  [RESTJSONErrorCodes.MaximumNumberOfGuildsReached]: 'Discord refused: a limit was reached.',
  [RESTJSONErrorCodes.ThreadLocked]: 'That thread is locked. Unlock it or pick another channel.',
};

/**
 * A server may answer 403 / 404 without Discord's JSON body (no `code`), or a proxy in front of it may:
 * the status alone then says what kind of problem it is.
 */
const BY_STATUS: Partial<Record<number, string>> = {
  403: MESSAGES[RESTJSONErrorCodes.MissingPermissions],
  404: 'Discord could not find that channel or message any more (it may have been deleted). Pick another channel, or run the command again.',
};
const UNAVAILABLE = 'Discord is having trouble right now. Please try again in a few minutes.';

function apiCode(error: DiscordAPIError): number | undefined {
  return typeof error.code === 'number' && error.code !== 0 ? error.code : undefined;
}

/** The user-facing explanation for a Discord API error, or undefined when it is not one we map. */
export function discordErrorMessage(error: unknown): string | undefined {
  if (error instanceof DiscordAPIError) {
    const code = apiCode(error);
    if (code !== undefined) return MESSAGES[code] ?? (error.status === 403 ? BY_STATUS[403] : undefined);
    return BY_STATUS[error.status];
  }
  if (error instanceof HTTPError && error.status >= 500) return UNAVAILABLE;
  if (error instanceof RateLimitError) return UNAVAILABLE;
  return undefined;
}

/** Whether the error is a problem in Discord's data (permissions, deleted channel) rather than a bug. */
export function isActionableDiscordError(error: unknown): boolean {
  return discordErrorMessage(error) !== undefined && !(error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.InvalidFormBodyOrContentType);
}

/** Maps any failure of a REST send into the delivery policy's terms (pause, remove, retry). */
export function toDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const status = error instanceof DiscordAPIError || error instanceof HTTPError ? error.status : error instanceof RateLimitError ? 429 : undefined;
  const code = error instanceof DiscordAPIError ? apiCode(error) : undefined;
  const kind = deliveryKind(status, code, error);
  const message = discordErrorMessage(error) ?? errorMessage(error);
  return new DeliveryError(message, kind, code, status);
}

function deliveryKind(status: number | undefined, code: number | undefined, error: unknown): DeliveryFailureKind {
  if (code === RESTJSONErrorCodes.MissingPermissions || code === RESTJSONErrorCodes.MissingAccess || status === 403) return 'forbidden';
  if (code === RESTJSONErrorCodes.UnknownChannel || code === RESTJSONErrorCodes.UnknownGuild || status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status !== undefined && status >= 500) return 'transient';
  // Network failures and discord.js's request timeout (AbortError) are worth retrying.
  if (status === undefined && error instanceof Error && /abort|timeout|ECONN|ETIMEDOUT|EAI_AGAIN|socket|fetch failed/i.test(`${error.name} ${error.message}`)) {
    return 'transient';
  }
  return 'other';
}
