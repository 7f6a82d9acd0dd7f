import type { Briefing } from '../briefings/types.ts';
import type { BriefingTransport } from '../briefings/transport.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { renderBriefingText } from './render.ts';

/** Prints briefings in the terminal: local mode's stand-in for a Discord channel. */
export class TerminalTransport implements BriefingTransport<string> {
  readonly name = 'terminal';
  private sent = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  renderBriefing(briefing: Briefing): string[] {
    return [renderBriefingText(briefing)];
  }

  async send(channelId: string, message: string): Promise<{ messageId: string }> {
    this.sent += 1;
    const rule = '═'.repeat(20);
    this.write(`\n${rule} briefing for #${channelId} ${rule}\n${message}\n`);
    return { messageId: `terminal-${this.clock.now().getTime()}-${this.sent}` };
  }

  async notifyModerators(_guildId: string, text: string): Promise<void> {
    this.write(`\n[notice] ${text}\n`);
  }
}
