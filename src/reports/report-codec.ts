import type { Report, ReportSection } from './types.ts';

/**
 * How a report is stored: the Report without its `sections` when they are exactly the text cut into
 * pieces (the usual case), replaced by the pieces' lengths. Sections are then rebuilt as slices of the
 * text on load, so the stored JSON holds the body once instead of twice. Reports whose sections do not
 * line up with the text keep `sections` as they are; rows written before this format load unchanged.
 */
export type StoredReport = Omit<Report, 'sections'> & {
  sections?: ReportSection[];
  /** Per section: heading length (-1 for none), then each paragraph's length; pieces are joined by "\n\n". */
  sectionLengths?: number[][];
};

const SEPARATOR = 2; // "\n\n"

/** The lengths layout of `sections` over `text`, or undefined when the sections are not exactly the text. */
export function sectionLayout(text: string, sections: ReportSection[]): number[][] | undefined {
  let pos = 0;
  const layout: number[][] = [];
  let first = true;
  const take = (part: string): boolean => {
    if (!first) {
      if (text.charCodeAt(pos) !== 10 || text.charCodeAt(pos + 1) !== 10) return false;
      pos += SEPARATOR;
    }
    first = false;
    if (!text.startsWith(part, pos)) return false;
    pos += part.length;
    return true;
  };
  for (const section of sections) {
    if (section.heading === '') return undefined; // "" and null would both be written as "no heading"
    const lengths: number[] = [];
    if (section.heading === null) lengths.push(-1);
    else if (take(section.heading)) lengths.push(section.heading.length);
    else return undefined;
    for (const paragraph of section.paragraphs) {
      if (!take(paragraph)) return undefined;
      lengths.push(paragraph.length);
    }
    layout.push(lengths);
  }
  return pos === text.length ? layout : undefined;
}

/** Rebuilds sections from a layout; every heading and paragraph is a slice of `text` (no copies). */
export function sectionsFromLayout(text: string, layout: number[][]): ReportSection[] | undefined {
  let pos = 0;
  let first = true;
  const take = (length: number): string => {
    if (!first) pos += SEPARATOR;
    first = false;
    const part = text.slice(pos, pos + length);
    pos += length;
    return part;
  };
  const sections: ReportSection[] = [];
  for (const lengths of layout) {
    if (!Array.isArray(lengths) || lengths.length === 0) return undefined;
    const heading = lengths[0] === -1 ? null : take(lengths[0]!);
    const paragraphs: string[] = [];
    for (let i = 1; i < lengths.length; i++) paragraphs.push(take(lengths[i]!));
    sections.push({ heading, paragraphs });
  }
  return pos === text.length ? sections : undefined;
}

/** The stored form of a report (see StoredReport). */
export function toStored(report: Report): StoredReport {
  const layout = sectionLayout(report.text, report.sections);
  if (!layout) return report;
  const { sections: _omitted, ...rest } = report;
  return { ...rest, sectionLengths: layout };
}

/** A report from its stored form, or undefined when the value is not a report. */
export function fromStored(value: unknown): Report | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const stored = value as StoredReport;
  if (typeof stored.id !== 'string' || typeof stored.text !== 'string') return undefined;
  if (Array.isArray(stored.sections)) return stored as Report;
  if (!Array.isArray(stored.sectionLengths)) return undefined;
  const sections = sectionsFromLayout(stored.text, stored.sectionLengths);
  if (!sections) return undefined;
  const { sectionLengths: _layout, ...rest } = stored;
  return { ...rest, sections } as Report;
}

/**
 * keyv's default serialiser (@keyv/serialize) escapes string values that start with ":" by doubling the
 * colon, and its deserialiser undoes that (and turns ":base64:…" into a Buffer). In JSON output such a
 * value is a quote followed by ":" right after `:`, `[` or `,`; our keys never end in those characters and
 * quotes inside strings are escaped, so when this pattern is absent, plain JSON is byte-for-byte what keyv
 * writes and reads, and native JSON (several times faster than keyv's recursive serialiser) is exact.
 * When it is present, the same escaping is applied here (a replacer/reviver mirroring keyv's).
 */
export const ESCAPED_STRING = /[:[,]":/;

const escapeColon = (_key: string, value: unknown) => (typeof value === 'string' && value.startsWith(':') ? `:${value}` : value);
const unescapeColon = (_key: string, value: unknown) => {
  if (typeof value !== 'string' || !value.startsWith(':')) return value;
  return value.startsWith(':base64:') ? Buffer.from(value.slice(8), 'base64') : value.slice(1);
};

/** Serialises a value exactly as keyv stores it: `{"value": …}` (no expiry). */
export function encodeValue(value: unknown): string {
  const wrapped = { value };
  const json = JSON.stringify(wrapped);
  return ESCAPED_STRING.test(json) ? JSON.stringify(wrapped, escapeColon) : json;
}

/** The value of a row written by keyv (or encodeValue); undefined when missing or expired. */
export function decodeValue(raw: unknown): unknown {
  if (typeof raw !== 'string') return undefined;
  const data = (ESCAPED_STRING.test(raw) ? JSON.parse(raw, unescapeColon) : JSON.parse(raw)) as { value?: unknown; expires?: unknown } | null;
  if (!data || typeof data !== 'object') return undefined;
  if (typeof data.expires === 'number' && Date.now() > data.expires) return undefined;
  return data.value;
}

export const encodeReport = (report: Report): string => encodeValue(toStored(report));

/**
 * Rows already encoded (by encodeReport) for a report object, e.g. on the parse worker, so the main thread
 * does not encode the same report again. Only valid while the object is not modified.
 */
export const encodedRows = new WeakMap<Report, string>();
export const decodeReport = (raw: unknown): Report | undefined => fromStored(decodeValue(raw));
