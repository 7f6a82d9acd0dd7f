import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Report } from '../../../src/reports/types.ts';
import { reportFromText } from '../../fixtures/analysis/make-report.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export const SEED_PATH = 'tests/fixtures/reports/specialeurasia-china-russia-belarus-defence-2023.txt';

export function loadReport(relativePath: string, extra: Partial<Report> = {}): Report {
  const id = relativePath
    .split('/')
    .pop()!
    .replace(/\.txt$/, '');
  return reportFromText(id, readFileSync(root + relativePath, 'utf8'), extra);
}

export interface Labels {
  principal: Array<{ name: string; type: string; role?: string; affiliation?: string; aliases?: string[] }>;
  acceptable: Array<{ name: string; type: string }>;
  notActors: string[];
}

export function loadLabels(id: string): Labels {
  return JSON.parse(readFileSync(`${root}tests/fixtures/analysis/${id}.labels.json`, 'utf8')) as Labels;
}
