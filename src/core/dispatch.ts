import { randomBytes } from 'node:crypto';
import { InteractionContextType } from 'discord-api-types/v10';
import type { Logger } from '../logger.ts';
import type { AutocompleteInput, CommandContext, CommandInput, CommandModule, DeferMode, Handler, Invoker, RawOptions } from './command.ts';
import { validateOptions } from './options.ts';
import type { CommandRegistry } from './registry.ts';
import type { Choice, Reply } from './reply.ts';
import { isUserError, UserError } from './errors.ts';
import { decodeActionId, EXPIRED_ACTION_MESSAGE } from './actions.ts';

/**
 * The one command runner of every transport (Discord interactions, the terminal, tests):
 * lookup → preconditions (guild-only, moderator; per command or subcommand) → option checks → deferral →
 * execute → error mapping. Transports only translate their input into an Invocation and the Reply out.
 */

export interface Invocation {
  command: string;
  subcommand?: string;
  options: RawOptions;
  invoker: Invoker;
  guildId?: string;
  channelId?: string;
}

export interface DispatchHooks {
  /** Acknowledges the command before slow work (Discord's "thinking…"); absent where nothing waits. */
  defer?(ephemeral: boolean): Promise<void>;
  /** Defers on its own when the command is still running after this long (Discord drops it at 3 s). */
  autoDeferMs?: number;
  /** A transport's own message for its errors (Discord API codes a moderator can act on). */
  describeError?(error: unknown): string | undefined;
  logger?: Logger;
}

export type DispatchStatus = 'ok' | 'user_error' | 'transport_error' | 'failed';

export interface DispatchResult {
  reply: Reply;
  status: DispatchStatus;
  /** What was thrown, when something was. */
  error?: unknown;
  /** Logged with the error, shown to the person, for unexpected failures. */
  errorId?: string;
}

const MODERATOR_PERMISSIONS_TEXT = 'the Manage Server or Manage Channels permission';

export interface Prepared {
  command: CommandModule;
  handler: Handler;
  input: CommandInput;
  /** "/briefing subscribe" */
  label: string;
}

function isGuildOnly(command: CommandModule, handler: Handler): boolean {
  const contexts = command.data.contexts;
  const onlyGuild = Array.isArray(contexts) && contexts.length > 0 && contexts.every((c) => c === InteractionContextType.Guild);
  return Boolean(command.guildOnly || handler.guildOnly || onlyGuild);
}

function findHandler(command: CommandModule, subcommand: string | undefined, label: string): Handler {
  if (command.subcommands) {
    const names = Object.keys(command.subcommands);
    const handler = subcommand ? command.subcommands[subcommand.split(' ').pop()!] : undefined;
    if (!handler) throw new UserError(`Use ${names.map((n) => `${label} ${n}`).join(', ')}.`, 'unknown_subcommand');
    return handler;
  }
  if (!command.handler) throw new UserError(`${label} cannot be run.`, 'unknown_command');
  return command.handler;
}

/** Lookup, preconditions and option checks; throws a UserError that says what to do. */
export function prepare(registry: CommandRegistry, invocation: Invocation): Prepared {
  const command = registry.get(invocation.command);
  if (!command) {
    throw new UserError(`/${invocation.command} is not available any more. The server's command list may be out of date.`, 'unknown_command');
  }
  const label = `/${command.data.name}`;
  const handler = findHandler(command, invocation.subcommand, label);
  const full = invocation.subcommand ? `${label} ${invocation.subcommand}` : label;
  const moderator = Boolean(command.moderator || handler.moderator);
  if (!invocation.guildId && (moderator || isGuildOnly(command, handler))) {
    throw new UserError(
      moderator ? `${full} only works inside a server, by its moderators.` : 'This command only works inside a server, not in direct messages.',
      'guild_only',
    );
  }
  if (moderator && !invocation.invoker.isModerator) {
    throw new UserError(`${full} is for moderators: you need ${MODERATOR_PERMISSIONS_TEXT}.`, 'forbidden');
  }
  const args = validateOptions(handler.options, invocation.options, invocation.guildId);
  const input: CommandInput = {
    subcommand: invocation.subcommand,
    args,
    invoker: invocation.invoker,
    guildId: invocation.guildId,
    channelId: invocation.channelId,
  };
  return { command, handler, input, label: full };
}

/** Runs a command and returns its reply, throwing what it throws: for tests and callers that map errors themselves. */
export async function execute(registry: CommandRegistry, invocation: Invocation, ctx: CommandContext): Promise<Reply> {
  const { handler, input } = prepare(registry, invocation);
  return handler.execute(input, ctx);
}

function deferModeOf(handler: Handler, input: CommandInput, ctx: CommandContext): DeferMode | undefined {
  return typeof handler.defer === 'function' ? handler.defer(input, ctx) : handler.defer;
}

/** The full run with error mapping: never rejects. */
export async function dispatch(registry: CommandRegistry, invocation: Invocation, ctx: CommandContext, hooks: DispatchHooks = {}): Promise<DispatchResult> {
  const logger = hooks.logger ?? ctx.services.logger;
  const started = performance.now();
  try {
    const { handler, input } = prepare(registry, invocation);
    let deferred = false;
    const mode = hooks.defer ? deferModeOf(handler, input, ctx) : undefined;
    if (mode && hooks.defer) {
      await hooks.defer(mode === 'ephemeral');
      deferred = true;
    }
    const running = handler.execute(input, ctx);
    const reply = deferred || !hooks.defer || !hooks.autoDeferMs ? await running : await withAutoDefer(running, hooks.autoDeferMs, hooks.defer, logger);
    logger.debug({ command: invocation.command, subcommand: invocation.subcommand, ms: Math.round(performance.now() - started) }, 'command answered');
    return { reply, status: 'ok' };
  } catch (error) {
    return errorResult(error, invocation, hooks, logger);
  }
}

/** Defers when the command is still running after `ms`, so a slow path never loses the interaction. */
async function withAutoDefer(running: Promise<Reply>, ms: number, defer: (ephemeral: boolean) => Promise<void>, logger: Logger): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<'slow'>((resolve) => {
    timer = setTimeout(() => resolve('slow'), ms);
  });
  try {
    const first = await Promise.race([running, slow]);
    if (first !== 'slow') return first;
    // If deferring fails (interaction already gone) the command's outcome still decides what we report.
    await defer(false).catch((error: unknown) => logger.warn({ err: error }, 'auto-defer failed'));
    return await running;
  } finally {
    clearTimeout(timer);
  }
}

/** What the person sees when a command throws: its UserError, the transport's explanation, or an apology with an error id. */
export function errorResult(
  error: unknown,
  invocation: Pick<Invocation, 'command' | 'subcommand' | 'guildId' | 'invoker'>,
  hooks: DispatchHooks,
  logger: Logger,
): DispatchResult {
  const meta = { command: invocation.command, subcommand: invocation.subcommand };
  if (isUserError(error)) {
    logger.debug({ ...meta, code: error.code, message: error.message }, 'user error');
    return { reply: { content: error.message, ephemeral: true }, status: 'user_error', error };
  }
  const described = hooks.describeError?.(error);
  if (described) {
    logger.info({ ...meta, err: error }, 'the transport refused an action');
    return { reply: { content: described, ephemeral: true }, status: 'transport_error', error };
  }
  const errorId = randomBytes(4).toString('hex');
  logger.error({ ...meta, err: error, errorId, guildId: invocation.guildId, userId: invocation.invoker.id }, 'command failed unexpectedly');
  return {
    reply: {
      content: `Something went wrong (error id ${errorId}). Please try again in a moment; if it keeps happening, give this id to the bot's maintainers.`,
      ephemeral: true,
    },
    status: 'failed',
    error,
    errorId,
  };
}

export interface ActionResult extends DispatchResult {
  /** Replace the message the button is on (pagination) rather than answer privately. */
  update: boolean;
}

/**
 * A button press: its stateless id names an action of a command, which turns the id's arguments back into
 * an invocation of that command; then the same dispatch runs (preconditions, option checks, tenancy
 * through the same services). An unknown or expired id gets a clear private answer.
 */
export async function dispatchAction(
  registry: CommandRegistry,
  actionId: string,
  base: Omit<Invocation, 'command' | 'subcommand' | 'options'>,
  ctx: CommandContext,
  hooks: DispatchHooks = {},
): Promise<ActionResult> {
  const ref = decodeActionId(actionId);
  const command = ref ? registry.commandForAction(ref.action) : undefined;
  const route = ref && command ? command.actions![ref.action]!(ref.args) : undefined;
  if (!command || !route) {
    const logger = hooks.logger ?? ctx.services.logger;
    logger.debug({ actionId }, 'unknown or expired action');
    return { reply: { content: EXPIRED_ACTION_MESSAGE, ephemeral: true }, status: 'user_error', update: false };
  }
  const result = await dispatch(registry, { ...base, command: command.data.name, subcommand: route.subcommand, options: route.options }, ctx, hooks);
  const update = Boolean(route.update) && result.status === 'ok';
  // What one member asks for from a shared message is theirs alone, unless it pages the message itself.
  return { ...result, update, reply: update ? result.reply : { ...result.reply, ephemeral: true } };
}

/** Autocomplete through the same lookup: the subcommand's (or command's) own suggestions, never an error. */
export async function autocomplete(registry: CommandRegistry, command: string, input: AutocompleteInput, ctx: CommandContext): Promise<Choice[]> {
  const module = registry.get(command);
  if (!module) return [];
  const handler = module.subcommands ? (input.subcommand ? module.subcommands[input.subcommand.split(' ').pop()!] : undefined) : module.handler;
  return handler?.autocomplete ? handler.autocomplete(input, ctx) : [];
}
