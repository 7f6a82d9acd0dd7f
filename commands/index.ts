import type { CommandModule } from '../src/core/command.ts';
import report from './report.ts';
import summarise from './summarise.ts';
import actors from './actors.ts';
import briefing from './briefing.ts';
import sources from './sources.ts';

/** Every slash command, in the order help lists them. A static list, so loaders need no fs scanning. */
export const commands: CommandModule[] = [report, summarise, actors, briefing, sources];

export function findCommand(name: string): CommandModule | undefined {
  return commands.find((command) => command.data.name === name);
}
