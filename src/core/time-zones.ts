let zones: readonly string[] | undefined;

/**
 * The one list of time zones: every IANA zone the runtime knows (ICU, through Intl), plus UTC, which some
 * ICU builds leave out of the canonical list. Computed once. Input parsing, suggestions and autocomplete
 * all read this list, so they never disagree about which zones exist.
 */
export function timeZones(): readonly string[] {
  if (!zones) {
    const list = Intl.supportedValuesOf('timeZone');
    zones = list.includes('UTC') ? list : ['UTC', ...list];
  }
  return zones;
}
