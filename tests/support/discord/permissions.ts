import { PermissionFlagsBits } from 'discord-api-types/v10';

export type PermissionName = keyof typeof PermissionFlagsBits;

export const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((a, b) => a | b, 0n);

export function bits(names: readonly PermissionName[]): bigint {
  return names.reduce((acc, name) => acc | PermissionFlagsBits[name], 0n);
}

export interface Overwrite {
  id: string;
  /** 0 role, 1 member */
  type: 0 | 1;
  allow: string;
  deny: string;
}

/**
 * Discord's permission algorithm (base permissions from roles, then channel overwrites for @everyone,
 * roles, member), so the fake server refuses exactly what Discord would.
 * Discord developer docs: discord.com/developers/docs/topics/permissions#permission-overwrites
 */
export function computePermissions(opts: {
  guildId: string;
  ownerId: string;
  userId: string;
  memberRoleIds: string[];
  roles: Array<{ id: string; permissions: string }>;
  overwrites: Overwrite[];
}): bigint {
  if (opts.userId === opts.ownerId) return ALL_PERMISSIONS;
  const roleById = new Map(opts.roles.map((r) => [r.id, BigInt(r.permissions)]));
  let perms = roleById.get(opts.guildId) ?? 0n;
  for (const id of opts.memberRoleIds) perms |= roleById.get(id) ?? 0n;
  if (perms & PermissionFlagsBits.Administrator) return ALL_PERMISSIONS;
  const everyone = opts.overwrites.find((o) => o.id === opts.guildId);
  if (everyone) perms = (perms & ~BigInt(everyone.deny)) | BigInt(everyone.allow);
  let allow = 0n;
  let deny = 0n;
  for (const o of opts.overwrites) {
    if (o.type === 0 && opts.memberRoleIds.includes(o.id)) {
      allow |= BigInt(o.allow);
      deny |= BigInt(o.deny);
    }
  }
  perms = (perms & ~deny) | allow;
  const member = opts.overwrites.find((o) => o.type === 1 && o.id === opts.userId);
  if (member) perms = (perms & ~BigInt(member.deny)) | BigInt(member.allow);
  return perms;
}
