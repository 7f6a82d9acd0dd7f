import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { commandPayloads, isCommandModule, loadCommands, MODERATOR_DEFAULT_PERMISSIONS } from '../../src/discord/commands.ts';

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const builder = pathToFileURL(resolve('node_modules/discord.js/src/index.js')).href;
const moduleSource = (name: string, extra = '') => `
import { SlashCommandBuilder } from '${builder}';
export default { data: new SlashCommandBuilder().setName('${name}').setDescription('d'), async execute() { return { content: 'x' }; }${extra} };
`;

describe('command loader', () => {
  it('loads default-exported command modules and skips helpers, _files and non-modules', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sitrep-commands-'));
    await writeFile(join(dir, 'alpha.mjs'), moduleSource('alpha'));
    await writeFile(join(dir, 'beta.mjs'), moduleSource('beta', ', moderatorOnly: true'));
    await writeFile(join(dir, '_shared.mjs'), moduleSource('shared'));
    await writeFile(join(dir, 'index.mjs'), `export const commands = [];`);
    await writeFile(join(dir, 'notes.md'), '# not code');
    const commands = await loadCommands(dir);
    expect(commands.map((c) => c.data.name)).toEqual(['alpha', 'beta']);
    const payloads = commandPayloads(commands);
    expect(payloads[0]!.default_member_permissions ?? null).toBeNull();
    expect(payloads[1]!.default_member_permissions).toBe(MODERATOR_DEFAULT_PERMISSIONS.toString());
  });

  it('recognises command modules by shape', () => {
    expect(isCommandModule({ data: { name: 'x', toJSON: () => ({}) }, execute: async () => ({}) })).toBe(true);
    expect(isCommandModule({ data: { name: 'x' }, execute: async () => ({}) })).toBe(false);
    expect(isCommandModule(undefined)).toBe(false);
  });
});
