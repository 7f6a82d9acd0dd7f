import { UserError } from '../../src/core/errors.ts';
import { isInvisibleOnly } from '../../src/core/options.ts';

/**
 * A comma- or semicolon-separated list option ("china, energy security") → trimmed, de-duplicated terms.
 * A term made only of invisible characters (zero-width spaces, bidi marks) would match nothing a reader
 * can see: it is refused with the option's name.
 */
export function listOption(name: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = [
    ...new Set(
      value
        .split(/[,;]/)
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ];
  const invisible = items.find((item) => isInvisibleOnly(item));
  if (invisible !== undefined) {
    const code = `U+${invisible.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new UserError(`Option "${name}" has a term made only of invisible characters (${code}…): remove it.`, 'bad_input');
  }
  return items.length > 0 ? items : undefined;
}
