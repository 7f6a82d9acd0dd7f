import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { commandPayloads, isCommandModule, loadCommands, MODERATOR_DEFAULT_PERMISSIONS } from '../../src/discord/commands.ts';
import { createRegistry } from '../../src/core/registry.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const core = pathToFileURL(resolve('src/core/command.ts')).href;
const moduleSource = (name: string, extra = '') => `
import { defineCommand } from '${core}';
export default defineCommand({ data: { name: '${name}', description: 'd' }${extra}, async execute() { return { content: 'x' }; } });
`;

async function commandsDir(files: Record<string, string>): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'sitrep-commands-'));
  for (const [path, source] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), source);
  }
  return dir;
}

describe('command loader', () => {
  it('loads command files and folders, and skips _helpers and other files', async () => {
    const path = await commandsDir({
      'alpha.ts': moduleSource('alpha'),
      'beta/index.ts': moduleSource('beta', ', moderator: true'),
      'beta/part.ts': 'export const notACommand = 1;',
      '_shared.ts': 'export const helper = 1;',
      'notes.md': '# not code',
    });
    const commands = await loadCommands(path);
    expect(commands.map((c) => c.data.name)).toEqual(['alpha', 'beta']);
    const payloads = commandPayloads(commands);
    expect(payloads[0]!.default_member_permissions ?? null).toBeNull();
    expect(payloads[1]!.default_member_permissions).toBe(MODERATOR_DEFAULT_PERMISSIONS.toString());
  });

  it('fails loudly on a module that is not a command, naming the file', async () => {
    const path = await commandsDir({ 'alpha.ts': moduleSource('alpha'), 'broken.ts': 'export default { data: { name: "broken" } };' });
    await expect(loadCommands(path)).rejects.toThrow(/Invalid command module .*broken\.ts: \/broken has no description/);
  });

  it('fails loudly on two commands with one name (or alias)', async () => {
    const path = await commandsDir({ 'a.ts': moduleSource('same'), 'b.ts': moduleSource('same') });
    await expect(loadCommands(path)).rejects.toThrow(/Duplicate command name "same": defined by .*a\.ts and by .*b\.ts/);
    expect(() =>
      createRegistry([
        { data: { name: 'x', description: 'd' }, handler: { options: [], execute: async () => ({}) } },
        { data: { name: 'y', description: 'd' }, aliases: ['x'], handler: { options: [], execute: async () => ({}) } },
      ]),
    ).toThrow(/Duplicate command name "x"/);
  });

  it('recognises command modules by shape', () => {
    expect(isCommandModule({ data: { name: 'x', description: 'd' }, handler: { options: [], execute: async () => ({}) } })).toBe(true);
    expect(isCommandModule({ data: { name: 'x', description: 'd' }, execute: async () => ({}) })).toBe(false);
    expect(isCommandModule(undefined)).toBe(false);
  });
});
