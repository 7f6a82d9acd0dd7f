import type { Command } from 'commander';
import type { CliDeps } from './deps.ts';
import type { UsageTotals } from '../analysis/usage.ts';

export function registerUsage(program: Command, deps: CliDeps): void {
  program
    .command('usage')
    .description('Model usage recorded in the store: calls and tokens per model, cache hits, fallbacks to offline')
    .option('--json', 'print the totals as JSON')
    .action(async (options: { json?: boolean }) => {
      const app = await deps.openApp();
      const totals = await app.analysis.usage();
      deps.out.write(options.json ? `${JSON.stringify(totals, null, 2)}\n` : formatUsage(totals, { model: app.analysis.model }));
    });
}

const n = (value: number) => value.toLocaleString('en-US');

export function formatUsage(totals: UsageTotals, context: { model?: string } = {}): string {
  const lines: string[] = [];
  lines.push(
    `Model usage${totals.since ? ` since ${totals.since.slice(0, 10)}` : ''}${context.model ? ` (configured model: ${context.model})` : ' (no model configured: offline engine)'}`,
  );
  if (totals.models.length === 0) lines.push('  No model calls recorded.');
  else {
    const rows = [
      ['model', 'calls', 'failed', 'prompt tokens', 'completion tokens', 'total tokens'],
      ...totals.models.map((m) => [m.model, n(m.calls), n(m.failedCalls), n(m.promptTokens), n(m.completionTokens), n(m.totalTokens)]),
    ];
    if (totals.models.length > 1)
      rows.push([
        'all models',
        n(totals.calls),
        n(totals.models.reduce((s, m) => s + m.failedCalls, 0)),
        n(totals.promptTokens),
        n(totals.completionTokens),
        n(totals.totalTokens),
      ]);
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const row of rows) lines.push(`  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}`);
    const estimated = totals.models.reduce((s, m) => s + m.estimatedCalls, 0);
    if (estimated > 0) lines.push(`  (${n(estimated)} call${estimated === 1 ? '' : 's'} with locally estimated token counts)`);
  }
  lines.push(`Cache hits: ${n(totals.cacheHits)} (requests answered without a model call)`);
  lines.push(`Fallbacks to offline: ${n(totals.fallbacks)}`);
  for (const [reason, count] of Object.entries(totals.fallbackReasons).sort((a, b) => b[1] - a[1])) lines.push(`  ${n(count)} × ${reason}`);
  return `${lines.join('\n')}\n`;
}
