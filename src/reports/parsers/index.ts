import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { decodeBody, parseContentType } from '../../net/charset.ts';
import type { Report, ReportOrigin } from '../types.ts';
import { buildReport, slugify, type Block, type ParsedMeta } from './blocks.ts';
import { cleanupBlocks, type CleanupResult } from './cleanup.ts';
import { UserError } from '../../core/errors.ts';
import { parseHtml, type PageSignals } from './html.ts';
import { parseMarkdown } from './markdown.ts';
import { parsePlainText } from './text.ts';

export type ReportFormat = 'markdown' | 'text' | 'html';

export interface ParseOptions {
  filename?: string;
  url?: string;
  contentType?: string;
  format?: ReportFormat;
  origin: ReportOrigin;
  now: Date;
  /** HTML that is already the article body (feed item content): skip main-content extraction. */
  fragment?: boolean;
  /** Metadata known from elsewhere (a feed item, the CLI); defined values win over what the document says. */
  meta?: Partial<ParsedMeta>;
}

export const REPORT_FILE_EXTENSIONS = ['.md', '.markdown', '.txt', '.html', '.htm'];

/** Picks the format from an explicit option, the content type, the file extension, then the content itself. */
export function detectFormat(content: string, opts: Pick<ParseOptions, 'filename' | 'contentType' | 'format'>): ReportFormat {
  if (opts.format) return opts.format;
  const type = opts.contentType?.toLowerCase() ?? '';
  if (/html|xhtml/.test(type)) return 'html';
  if (/markdown/.test(type)) return 'markdown';
  const ext = opts.filename ? extname(opts.filename).toLowerCase() : '';
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.txt') return /^---\r?\n[\s\S]*?\r?\n---/.test(content) ? 'markdown' : 'text';
  const head = content.slice(0, 2000).trimStart().toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || /<(body|article|p|div)[\s>]/.test(head)) return 'html';
  if (/^---\r?\n/.test(content) || /^#{1,6}\s/m.test(head)) return 'markdown';
  return 'text';
}

/** Parses one document into a Report (no store write). Pure apart from the clock passed in `now`. */
export function parseReport(content: string | Buffer, opts: ParseOptions): Report {
  const text = typeof content === 'string' ? content : decodeFile(content, opts);
  const format = detectFormat(text, opts);
  let meta: ParsedMeta;
  let blocks: Block[];
  let page: PageSignals | undefined;
  if (format === 'html') ({ meta, blocks, page } = parseHtml(text, opts.url, { extract: !opts.fragment }));
  else if (format === 'markdown') {
    const md = parseMarkdown(text);
    // A .md file that is really pasted text (no front matter, no heading) reads better as plain text.
    ({ meta, blocks } = !md.hasFrontMatter && !md.meta.title ? parsePlainText(text) : md);
  } else ({ meta, blocks } = parsePlainText(text));

  for (const [key, value] of Object.entries(opts.meta ?? {})) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    (meta as Record<string, unknown>)[key] = value;
  }
  const cleaned = cleanupBlocks(blocks, { authors: meta.authors });
  if (page && !opts.fragment) refuseNonArticle(page, cleaned, opts.url ?? opts.filename ?? 'This page');
  meta.captions = [...(meta.captions ?? []), ...cleaned.captions];
  meta.url ??= opts.url;
  // The fetched URL (or a feed item's link) identifies the article as much as its canonical link does.
  if (opts.url) meta.altUrls = [...(meta.altUrls ?? []), opts.url];
  meta.source ??= cleaned.sourceHint;
  if (!meta.title && opts.filename) meta.title = titleFromFilename(opts.filename);

  const fallbackId = opts.origin.kind === 'file' && opts.filename ? slugify(basename(opts.filename, extname(opts.filename))) || undefined : undefined;
  return buildReport({ meta, blocks: cleaned.blocks, origin: opts.origin, now: opts.now, fallbackId });
}

/** Reads and parses a report file (.md, .markdown, .txt, .html, .htm). */
export async function parseReportFile(path: string, now: Date = new Date()): Promise<Report> {
  const absolute = resolve(path);
  const buffer = await readFile(absolute);
  return parseReport(buffer, { filename: absolute, origin: { kind: 'file', path: absolute }, now });
}

const PAYWALL_CUE =
  /\b(subscribers? only|for (paying )?subscribers|subscribe (now )?to (continue|keep|read)|(continue|keep) reading|already (a )?(subscriber|member)|(log|sign) ?in to (read|continue|access)|to read (the full|this|the rest)|unlock (this|the full|full)|premium (content|article|access)|paywall)\b/i;

/**
 * Refuses pages that are not one article, with a reason a person can act on, instead of storing junk:
 * a front page or listing (its "content" is teaser cards linking elsewhere), or a paywall stub (the
 * publisher marks it not free, or a subscribe-to-continue box was removed, and little text is left).
 */
function refuseNonArticle(page: PageSignals, cleaned: CleanupResult, where: string): void {
  const linked = page.linkedHeadings ?? 0;
  const chars = cleaned.blocks.reduce((n, b) => n + (b.kind === 'paragraph' ? b.text.length : 0), 0);
  // Teaser cards carry a few hundred characters each; an article with a "More stories" box has far more text.
  if (!page.declaresArticle && linked >= 3 && linked >= (page.headings ?? 0) * 0.5 && chars / linked < 600) {
    throw new UserError(
      `${where} looks like a front page or list of articles (${linked} linked headlines), not a single article: give the link of one article`,
      'not_an_article',
    );
  }
  const stub = cleaned.removed.some((r) => PAYWALL_CUE.test(r.text));
  if ((page.paywalled || stub) && chars < 1200) {
    throw new UserError(
      `${where} is behind a paywall: only ${chars} characters of the article are readable without a subscription. Paste the text into a file and ingest that instead`,
      'paywalled',
    );
  }
}

function titleFromFilename(filename: string): string {
  return basename(filename, extname(filename))
    .replace(/[-_]+/g, ' ')
    .replace(/^\w/, (c) => c.toUpperCase());
}

/** HTML declares its own charset (saved pages are often windows-125x); other files are read as UTF-8. */
function decodeFile(buffer: Buffer, opts: Pick<ParseOptions, 'filename' | 'contentType' | 'format'>): string {
  const looksHtml =
    opts.format === 'html' ||
    /html/.test(opts.contentType ?? '') ||
    /\.html?$/i.test(opts.filename ?? '') ||
    (!opts.format && !opts.filename && /^\s*<(!doctype html|html)/i.test(buffer.subarray(0, 200).toString('latin1')));
  if (looksHtml) return decodeBody(buffer, parseContentType(opts.contentType).charset, 'text/html').text;
  return decodeUtf8(buffer);
}

/** Files are UTF-8 by convention; a BOM is dropped, and UTF-16 files with a BOM are honoured too. */
function decodeUtf8(buffer: Buffer): string {
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return new TextDecoder('utf-16le').decode(buffer);
  if (buffer[0] === 0xfe && buffer[1] === 0xff) return new TextDecoder('utf-16be').decode(buffer);
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(buffer);
  // Many replacement characters mean this was not UTF-8 (e.g. a Windows-1252 export).
  const bad = (utf8.match(/\ufffd/g) ?? []).length;
  return bad > 3 && bad > utf8.length / 500 ? new TextDecoder('windows-1252').decode(buffer) : utf8.replace(/^\ufeff/, '');
}

export { cleanupBlocks } from './cleanup.ts';
export { contentHash, slugify, parseDate, type ParsedMeta } from './blocks.ts';
