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
