import type { Report } from '../../reports/types.ts';
import type { Actor } from '../types.ts';

export const ACTORS_ALGORITHM_VERSION = '0';

export function extractActors(_report: Report): Actor[] {
  return [];
}
