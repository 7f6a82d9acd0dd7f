import { parse as parseYaml } from 'yaml';
import { UserError } from '../../core/errors.ts';
import { atxHeading, cleanInline, parseDate, splitNames, type Block, type ParsedMeta } from './blocks.ts';
import { readMetaLine } from './text.ts';

/**
 * Markdown with YAML front matter (the `briefs/` format). Front matter via `yaml`; the body is
 * reduced to headings and paragraphs by a small block scanner: we need block structure and plain text
 * only, and a full CommonMark renderer would produce HTML we would then have to strip again.
 */
export function parseMarkdown(content: string): { meta: ParsedMeta; blocks: Block[]; hasFrontMatter: boolean } {
  const parsed = splitFrontMatter(content.replace(/^\ufeff/, ''));
  const data = parsed.data;
  const meta = metaFromFrontMatter(data);
  const { blocks, images } = markdownBlocks(parsed.body);
  if (!meta.title) {
    const first = blocks.findIndex((b) => b.kind === 'heading');
    if (first === 0 || (first > 0 && blocks.slice(0, first).every((b) => b.text.length < 40))) {
      meta.title = blocks[first]!.text;
      blocks.splice(0, first + 1);
    }
  }
  // Byline and date lines under the title ("*By Jane Doe | 2 August 2024*") are metadata, as in pasted text.
  for (let i = 0; i < Math.min(blocks.length, 4); i++) {
    const b = blocks[i]!;
    if (b.kind !== 'paragraph' || b.text.length > 160) break;
    const found: ParsedMeta = {};
    if (!readMetaLine(b.text, found)) continue;
    if (found.authors?.length && !meta.authors?.length) meta.authors = found.authors;
    if (found.publishedAt) meta.publishedAt ??= found.publishedAt;
    if (found.authors?.length || found.publishedAt) blocks.splice(i--, 1);
  }
  if (images.length) meta.captions = [...(meta.captions ?? []), ...images];
  return { meta, blocks, hasFrontMatter: Object.keys(data).length > 0 };
}

/** `---` on the first line, YAML, then a line of `---` (or YAML's `...`): the Jekyll/Hugo convention. */
const FRONT_MATTER = /^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;

/**
 * Splits YAML front matter from the body. Hand-written because it is one regular expression: the
 * packages that do only this (gray-matter, front-matter) bring an old js-yaml and a module cache.
 * Dates stay strings (YAML 1.2 core schema) and go through parseDate like every other date.
 */
export function splitFrontMatter(content: string): { data: Record<string, unknown>; body: string } {
  const m = FRONT_MATTER.exec(content);
  if (!m) return { data: {}, body: content };
  let data: unknown;
  try {
    data = m[1]?.trim() ? parseYaml(m[1], { maxAliasCount: 100 }) : {};
  } catch (error) {
    const line = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw new UserError(
      `The front matter is not valid YAML${line ? ` (line ${line + 1} of the file)` : ''}: ${(error as Error).message.split('\n')[0]}`,
      'invalid_front_matter',
    );
  }
  const record = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  return { data: record, body: content.slice(m[0].length) };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined);

function list(v: unknown): string[] | undefined {
  if (Array.isArray(v)) {
    return v.flatMap((item) => {
      if (typeof item === 'string') return [item];
      if (item && typeof item === 'object' && 'name' in item) return [String((item as { name: unknown }).name)];
      return [];
    });
  }
  if (typeof v === 'string') return v.split(/\s*[,;]\s*/).filter(Boolean);
  return undefined;
}

function metaFromFrontMatter(data: Record<string, unknown>): ParsedMeta {
  const meta: ParsedMeta = {};
  meta.id = str(data.id) ?? str(data.slug);
  meta.title = str(data.title);
  meta.source = str(data.source) ?? str(data.publisher) ?? str(data.site);
  meta.url = str(data.url) ?? str(data.link) ?? str(data.canonical);
  const authors = data.authors ?? data.author ?? data.byline;
  meta.authors = typeof authors === 'string' ? splitNames(authors) : list(authors);
  meta.publishedAt = parseDate(data.publishedAt ?? data.published_at ?? data.published ?? data.date);
  const series = data.series;
  if (series && typeof series === 'object') {
    const s = series as Record<string, unknown>;
    meta.series = {
      ...(str(s.name) ? { name: str(s.name) } : {}),
      ...(str(s.issn) ? { issn: str(s.issn) } : {}),
      ...(str(s.volume) ? { volume: str(s.volume) } : {}),
      ...(str(s.issue) ? { issue: str(s.issue) } : {}),
    };
  } else if (str(data.issn)) meta.series = { issn: str(data.issn) };
  meta.tags = list(data.tags ?? data.keywords ?? data.topics ?? data.categories ?? data.category ?? data.subjects);
  meta.regions = list(data.regions ?? data.region ?? data.countries);
  meta.standfirst = str(data.standfirst) ?? str(data.summary) ?? str(data.description) ?? str(data.dek);
  const captions = list(data.captions ?? data.caption);
  if (captions?.length) meta.captions = captions;
  return meta;
}

/**
 * Strips inline Markdown to plain text. Bracket patterns exclude nested brackets/parentheses so that
 * hostile input (thousands of "[" in a feed item) is processed in linear time, not quadratic.
 */
export function inlineText(value: string): string {
  // Most prose has no inline markup: skip the rewrite chain entirely then.
  if (!/[[\]<>*_~`\\!]/.test(value)) return cleanInline(value);
  return cleanInline(
    value
      .replace(/!\[[^\][]*\]\([^()]*\)/g, '')
      .replace(/\[\^[^\][]+\]/g, '')
      .replace(/\[([^\][]+)\]\([^()]*\)/g, '$1')
      .replace(/\[([^\][]+)\]\[[^\][]*\]/g, '$1')
      .replace(/<(https?:\/\/[^>]+)>/g, '$1')
      .replace(/<\/?[a-zA-Z][^<>]*>/g, '')
      .replace(/(\*\*|__)(?=\S)([\s\S]{0,400}?\S)\1/g, '$2')
      .replace(/(^|[^\w*])([*_])(?=\S)([^*_]*?\S)\2(?!\w)/g, '$1$3')
      .replace(/~~([^~]{0,400}?)~~/g, '$1')
      .replace(/`([^`]{0,400})`/g, '$1')
      .replace(/\\([\\`*_{}[\]()#+\-.!>])/g, '$1'),
  );
}

function markdownBlocks(body: string): { blocks: Block[]; images: string[] } {
  const blocks: Block[] = [];
  const images: string[] = [];
  // HTML comments (editor notes, CMS markers) are never content.
  const lines = body
    .replace(/\r\n?/g, '\n')
    .replace(/<!--[\s\S]*?-->/g, '')
    .split('\n');
  let para: string[] = [];
  const flush = () => {
    const text = inlineText(para.join(' '));
    if (text) blocks.push({ kind: 'paragraph', text });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    for (const m of raw.matchAll(/!\[([^\][]*)\]\([^()\s]*(?:\s+"([^"]*)")?\)/g)) {
      const caption = cleanInline([m[1], m[2]].filter(Boolean).join(' — '));
      if (caption) images.push(caption);
    }
    if (/^(```|~~~)/.test(line)) {
      flush();
      const fence = line.slice(0, 3);
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trim().startsWith(fence); i++) code.push(lines[i]!);
      if (code.join('').trim()) blocks.push({ kind: 'paragraph', text: code.join('\n').trim() });
      continue;
    }
    if (!line) {
      flush();
      continue;
    }
    // Footnote definitions ("[^1]: Source…", with indented continuation lines) and reference-link
    // definitions ("[icg]: https://…") are apparatus, not text.
    if (/^\[\^[^\]]+\]:/.test(line) || /^\[[^\]]+\]:\s*\S+(\s+["'(].*["')])?$/.test(line)) {
      flush();
      while (i + 1 < lines.length && /^( {2,}|\t)\S/.test(lines[i + 1]!)) i++;
      continue;
    }
    // A paragraph that is only bold text ("**Key Judgements**") is a heading in pasted Markdown.
    const bold = para.length === 0 && /^(\*\*|__)([^*_]{2,90})\1:?$/.exec(line);
    if (bold && !/[.,;]$/.test(bold[2]!.trim()) && !(lines[i + 1]?.trim() ?? '').match(/^[^\s-*#>|]/)) {
      flush();
      blocks.push({ kind: 'heading', text: inlineText(bold[2]!) });
      continue;
    }
    const atx = atxHeading(line);
    if (atx !== undefined) {
      flush();
      const text = inlineText(atx);
      if (text) blocks.push({ kind: 'heading', text });
      continue;
    }
    const next = lines[i + 1]?.trim() ?? '';
    if (para.length === 0 && /^(=+|-+)$/.test(next) && line.length < 120) {
      blocks.push({ kind: 'heading', text: inlineText(line) });
      i++;
      continue;
    }
    if (/^([-*_])(\s*\1){2,}$/.test(line)) {
      flush();
      continue;
    }
    const item = /^(?:[-*+•]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      flush();
      para.push(item[1]!);
      continue;
    }
    if (line.startsWith('|') && line.endsWith('|')) {
      // Tables: keep cell text, drop the separator row.
      if (/^\|[\s:|-]+\|$/.test(line)) continue;
      flush();
      para.push(
        line
          .split('|')
          .map((c) => c.trim())
          .filter(Boolean)
          .join(' — '),
      );
      flush();
      continue;
    }
    para.push(line.replace(/^>\s?/, ''));
  }
  flush();
  return { blocks, images };
}
