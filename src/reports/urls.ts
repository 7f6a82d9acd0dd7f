const TRACKING_PARAMS =
  /^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi|mkt_tok|igshid|yclid|ref_src|ref|cmpid|ncid|ocid|sr_share|at_medium|at_campaign|wt\.mc_id)$/i;

/**
 * A comparison key for "is this the same article": lower-case host without `www.`, no scheme difference,
 * no fragment, no tracking parameters (utm_* and friends), sorted query, no trailing slash.
 * Not a URL to fetch — only for dedup.
 */
export function normaliseUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return input.trim();
  }
  const params = [...url.searchParams.entries()].filter(([k]) => !TRACKING_PARAMS.test(k)).sort(([a], [b]) => a.localeCompare(b));
  const query = params.length ? `?${new URLSearchParams(params).toString()}` : '';
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  const port = url.port && !['80', '443'].includes(url.port) ? `:${url.port}` : '';
  const path = url.pathname.replace(/\/+$/, '') || '/';
  return `${host}${port}${path}${query}`;
}

/** Removes tracking parameters but keeps the URL fetchable (used when storing a report's link). */
export function stripTracking(input: string): string {
  try {
    const url = new URL(input);
    for (const key of [...url.searchParams.keys()]) if (TRACKING_PARAMS.test(key)) url.searchParams.delete(key);
    url.hash = '';
    return url.toString();
  } catch {
    return input;
  }
}

/**
 * The URLs that identify an article besides its main `url` (canonical link, og:url, the fetched URL, a
 * feed item's link): fetchable, tracking parameters removed, one per normaliseUrl() key, never the main
 * URL's own key. Identity rules compare them with normaliseUrl().
 */
export function otherIdentities(url: string | undefined, candidates: Array<string | undefined>): string[] {
  const seen = new Set(url ? [normaliseUrl(url)] : []);
  const out: string[] = [];
  for (const candidate of candidates) {
    if (!candidate || !/^https?:\/\//i.test(candidate)) continue;
    const key = normaliseUrl(candidate);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(stripTracking(candidate));
  }
  return out;
}
