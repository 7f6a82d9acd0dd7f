/**
 * Stateless, versioned action ids (Discord custom ids): `v1:<action>:<arg>:<arg>…`, each part
 * URI-encoded. Everything the action needs is in the id, so a button keeps working after a restart and
 * on any shard; a bump of the version retires old buttons with a clear answer instead of a wrong one.
 */

const ACTION_ID_VERSION = 'v1';
/** Discord's limit for a custom id. */
const MAX_ACTION_ID_LENGTH = 100;

export interface ActionRef {
  action: string;
  args: string[];
}

/** The id of an action, or undefined when it would not fit (the button is then left out). */
export function encodeActionId(ref: ActionRef): string | undefined {
  const id = [ACTION_ID_VERSION, ref.action, ...ref.args].map(encodeURIComponent).join(':');
  return id.length <= MAX_ACTION_ID_LENGTH ? id : undefined;
}

/** The action an id names, or undefined for an id of another version or one that is not ours. */
export function decodeActionId(id: string): ActionRef | undefined {
  const parts = id.split(':');
  if (parts.length < 2 || parts[0] !== ACTION_ID_VERSION) return undefined;
  try {
    const [, action, ...args] = parts.map(decodeURIComponent);
    return action ? { action, args } : undefined;
  } catch {
    return undefined;
  }
}

export const EXPIRED_ACTION_MESSAGE = 'This button is no longer valid (the bot was updated, or what it pointed to is gone). Run the command again.';
