import { describe, expect, it } from 'vitest';
import { editDistance, truncate } from '../../src/core/text.ts';
import { timeZones } from '../../src/core/time-zones.ts';

describe('editDistance', () => {
  it('counts inserts, deletes and substitutions', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('', 'ab')).toBe(2);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('rome', 'roma')).toBe(1);
  });

  it('counts an adjacent swap as one edit and is symmetric', () => {
    expect(editDistance('brifeing', 'briefing')).toBe(1);
    expect(editDistance('ca', 'abc')).toBe(3);
    expect(editDistance('abc', 'ca')).toBe(3);
    expect(editDistance('subscribe', 'subscirbe')).toBe(1);
  });
});

describe('truncate', () => {
  it('leaves short text alone and cuts long text at a word with an ellipsis', () => {
    expect(truncate('short', 10)).toBe('short');
    const cut = truncate('the quick brown fox jumps over the lazy dog', 20);
    expect(cut.length).toBeLessThanOrEqual(20);
    expect(cut).toBe('the quick brown fox…');
  });

  it('never splits a surrogate pair on a hard cut', () => {
    const cut = truncate(`${'x'.repeat(8)}😀😀😀`, 10);
    expect(cut.length).toBeLessThanOrEqual(10);
    expect(cut).not.toMatch(/[\ud800-\udbff]…$/);
  });
});

describe('timeZones', () => {
  it('lists IANA zones once, UTC included', () => {
    const zones = timeZones();
    expect(zones).toContain('UTC');
    expect(zones).toContain('Europe/Rome');
    expect(new Set(zones).size).toBe(zones.length);
  });
});
