import type { Doc } from './dom.ts';

export interface JsonLdArticle {
  headline?: string;
  name?: string;
  datePublished?: string;
  dateModified?: string;
  dateCreated?: string;
  author?: unknown;
  publisher?: { name?: string };
  keywords?: string | string[];
  articleSection?: string | string[];
  description?: string;
  url?: string;
  isAccessibleForFree?: unknown;
}

export interface JsonLd {
  article?: JsonLdArticle;
  /** True when `article` has an Article-like @type (not only WebPage/CreativeWork). */
  isArticle: boolean;
  /** Every @type seen, e.g. WebSite, CollectionPage, NewsArticle: tells an index page from an article. */
  types: string[];
  /** Nodes by @id, so `"author": {"@id": …}` references (Yoast/WordPress @graph) can be resolved. */
  byId: Map<string, Record<string, unknown>>;
}

export const ARTICLE_TYPE = /Article|Report|BlogPosting|Posting|ScholarlyArticle|Analysis|OpinionNewsArticle|Review/;

export function readJsonLd(document: Doc): JsonLd {
  const articles: JsonLdArticle[] = [];
  const pages: JsonLdArticle[] = [];
  const types: string[] = [];
  const byId = new Map<string, Record<string, unknown>>();
  const visit = (node: unknown, depth: number) => {
    if (depth > 6) return;
    if (Array.isArray(node)) return node.forEach((n) => visit(n, depth + 1));
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (obj['@graph']) visit(obj['@graph'], depth + 1);
    if (typeof obj['@id'] === 'string' && Object.keys(obj).length > 1) byId.set(obj['@id'], obj);
    const type = ([] as unknown[]).concat(obj['@type'] ?? []).map(String);
    types.push(...type);
    if (type.some((t) => ARTICLE_TYPE.test(t))) articles.push(obj as JsonLdArticle);
    else if (type.some((t) => /WebPage|CreativeWork/.test(t))) pages.push(obj as JsonLdArticle);
    if (obj.mainEntity) visit(obj.mainEntity, depth + 1);
  };
  for (const script of document.querySelectorAll('script[type="application/ld+json" i]')) {
    // Some sites wrap JSON-LD in a CDATA section or HTML comment (valid XHTML habits); JSON.parse would reject it.
    const raw = (script.textContent ?? '').replace(/^\s*(<!\[CDATA\[|<!--)/, '').replace(/(\]\]>|-->)\s*$/, '');
    try {
      visit(JSON.parse(raw), 0);
    } catch {
      /* malformed JSON-LD is common; ignore it */
    }
  }
  const article = articles.find((c) => c.datePublished || c.author) ?? articles[0];
  if (article) return { article, isArticle: true, types, byId };
  return { article: pages.find((c) => c.datePublished || c.author) ?? pages[0], isArticle: false, types, byId };
}

/** The value of a JSON-LD field that may be an @id reference into the @graph. */
function resolveRef(value: unknown, byId: Map<string, Record<string, unknown>>): Record<string, unknown> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const obj = value as Record<string, unknown>;
  return typeof obj['@id'] === 'string' && !obj.name ? (byId.get(obj['@id']) ?? obj) : obj;
}

/** JSON-LD authors as { name, isOrganization }: Person, Organization, plain strings, @id references. */
export function jsonLdAuthors(author: unknown, byId: Map<string, Record<string, unknown>>): Array<{ name: string; organization: boolean }> {
  const out: Array<{ name: string; organization: boolean }> = [];
  for (const a of ([] as unknown[]).concat(author ?? [])) {
    if (typeof a === 'string') {
      out.push({ name: a, organization: false });
      continue;
    }
    const obj = resolveRef(a, byId);
    if (!obj) continue;
    const raw = obj.name;
    const name = typeof raw === 'string' ? raw : Array.isArray(raw) ? String(raw[0] ?? '') : '';
    const type = ([] as unknown[]).concat(obj['@type'] ?? []).map(String);
    if (name && !/^https?:/.test(name)) out.push({ name, organization: type.some((t) => /Organization|Corporation|NGO|GovernmentOrganization/.test(t)) });
  }
  return out;
}
