import type { Choice } from '../../src/core/reply.ts';
import { MAX_CHOICES } from './reports.ts';

let zones: string[] | undefined;

/** Every IANA zone the runtime knows, plus UTC (some ICU builds leave it out of the canonical list). */
function timeZones(): string[] {
  if (!zones) {
    const list = Intl.supportedValuesOf('timeZone');
    zones = list.includes('UTC') ? list : ['UTC', ...list];
  }
  return zones;
}

const normalise = (text: string) =>
  text
    .toLowerCase()
    .replace(/[\s_]+/g, ' ')
    .trim();

/**
 * Autocomplete for the timezone option: matches on the whole id and on the city ("new york" →
 * America/New_York, "rome" → Europe/Rome). Zones whose city starts with the typed text come first.
 */
export function timeZoneChoices(typed: string): Choice[] {
  const query = normalise(typed);
  const ranked: Array<{ zone: string; rank: number }> = [];
  for (const zone of timeZones()) {
    const full = normalise(zone);
    const city = normalise(zone.slice(zone.lastIndexOf('/') + 1));
    let rank: number;
    if (!query) rank = zone === 'UTC' ? 0 : 3;
    else if (full === query || city === query) rank = 0;
    else if (city.startsWith(query)) rank = 1;
    else if (full.startsWith(query)) rank = 2;
    else if (full.includes(query)) rank = 3;
    else continue;
    ranked.push({ zone, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.zone.localeCompare(b.zone));
  return ranked.slice(0, MAX_CHOICES).map(({ zone }) => ({ name: zone, value: zone }));
}
