import { describe, expect, it } from 'vitest';
import { isBoilerplate, reportSentences, splitSentences, splitUnits } from '../../../src/analysis/sentences.ts';
import { reportFromText } from '../../fixtures/analysis/make-report.ts';

describe('splitSentences', () => {
  it('keeps dotted acronyms, titles and initials inside a sentence', () => {
    const text =
      'The U.S. Secretary of State met Gen. Mark Milley and Dr. J. R. Smith in Washington. ' +
      'Lt. Col. Ivanov said the U.N. mission, e.g. in Mali, was approx. 3.5% over budget. The talks ended.';
    expect(splitSentences(text)).toEqual([
      'The U.S. Secretary of State met Gen. Mark Milley and Dr. J. R. Smith in Washington.',
      'Lt. Col. Ivanov said the U.N. mission, e.g. in Mali, was approx. 3.5% over budget.',
      'The talks ended.',
    ]);
  });

  it('ends a sentence after an acronym when a sentence opener follows', () => {
    expect(splitSentences('Sanctions were imposed by the U.S. The EU followed in March.')).toEqual([
      'Sanctions were imposed by the U.S.',
      'The EU followed in March.',
    ]);
  });

  it('handles numeric abbreviations, months, vs. and etc.', () => {
    expect(splitSentences('Resolution No. 2231 passed on Jan. 14 by 15 vs. 0 votes. Oil, gas, etc. were listed.')).toEqual([
      'Resolution No. 2231 passed on Jan. 14 by 15 vs. 0 votes.',
      'Oil, gas, etc. were listed.',
    ]);
    expect(splitSentences('They traded oil, gas, etc. The market reacted.')).toHaveLength(2);
  });

  it('keeps closing quotes and brackets with the sentence they end', () => {
    expect(splitSentences('He said: "We will not retreat." The army advanced. (This was expected.) Then talks began.')).toEqual([
      'He said: "We will not retreat."',
      'The army advanced.',
      '(This was expected.)',
      'Then talks began.',
    ]);
    expect(splitSentences('The slogan was “Unified World – Shared Security.” Delegates agreed.')).toHaveLength(2);
  });

  it('keeps footnote markers with their sentence', () => {
    expect(splitSentences('Exports fell by 12%.[3] Imports rose.¹² Prices were flat.')).toEqual([
      'Exports fell by 12%.[3]',
      'Imports rose.¹²',
      'Prices were flat.',
    ]);
  });

  it('does not split before a lower-case word', () => {
    expect(splitSentences('The deal was signed at 3 p.m. on Friday.')).toHaveLength(1);
  });

  it('splits CJK full stops and survives text without any punctuation', () => {
    expect(splitSentences('中国国防部长访问俄罗斯。会议在莫斯科举行。')).toEqual(['中国国防部长访问俄罗斯。', '会议在莫斯科举行。']);
    const runOn = Array.from({ length: 1000 }, (_, i) => `word${i}`).join(' ');
    const parts = splitSentences(runOn);
    expect(parts.length).toBeGreaterThan(5);
    expect(Math.max(...parts.map((p) => p.split(' ').length))).toBeLessThanOrEqual(120);
    expect(parts.join(' ')).toBe(runOn);
  });
});

describe('splitUnits', () => {
  it('treats a short unpunctuated line as a heading, not a sentence', () => {
    expect(splitUnits('Background Information')).toEqual([{ text: 'Background Information', kind: 'heading' }]);
    expect(splitUnits('Key Judgements\nRussia will keep its bases. Turkey will object.')).toEqual([
      { text: 'Key Judgements', kind: 'heading' },
      { text: 'Russia will keep its bases.', kind: 'sentence' },
      { text: 'Turkey will object.', kind: 'sentence' },
    ]);
  });

  it('splits bulleted and numbered lists into items', () => {
    const units = splitUnits('- Russia keeps its bases\n- Turkey objects. Iran abstains.\n1. Wagner withdraws');
    expect(units.map((u) => [u.kind, u.text])).toEqual([
      ['item', 'Russia keeps its bases'],
      ['item', 'Turkey objects.'],
      ['item', 'Iran abstains.'],
      ['item', 'Wagner withdraws'],
    ]);
  });
});

describe('isBoilerplate / reportSentences', () => {
  it('flags metadata, captions and appeals', () => {
    for (const s of [
      'Authors: Guido Keller',
      'Geopolitical Report ISSN 2785-2598 Volume 33 Issue 4',
      'The Chinese Defence Minister Li Shangfu (Credits:, CC BY 4.0, via Wikimedia Commons)',
      'DONATE NOW and secure your place in shaping the geopolitical narrative.',
    ]) {
      expect(isBoilerplate(s), s).toBe(true);
    }
    expect(isBoilerplate('Russia and China signed a defence pact in Minsk.')).toBe(false);
  });

  it('numbers sentences across sections, skipping headings, and marks appeal paragraphs', () => {
    const report = reportFromText(
      'r',
      'Title line\n\nFirst para. Second sentence.\n\nAnalysis\n\nThird one here.\n\n' +
        'Do you like our reports? Join us today. Support our mission with a donation!',
    );
    const sentences = reportSentences(report);
    expect(sentences.map((s) => [s.index, s.section, s.paragraph, s.heading])).toEqual([
      [0, 0, 0, null],
      [1, 0, 0, null],
      [2, 1, 0, 'Analysis'],
      [3, 1, 1, 'Analysis'],
      [4, 1, 1, 'Analysis'],
      [5, 1, 1, 'Analysis'],
    ]);
    expect(sentences.slice(3).every((s) => s.boilerplate)).toBe(true);
    expect(sentences.slice(0, 3).some((s) => s.boilerplate)).toBe(false);
  });
});
