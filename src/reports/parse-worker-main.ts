import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { parseReport } from './parsers/index.ts';

interface ParseJob {
  id: number;
  path: string;
  now: string;
}

parentPort?.on('message', async (job: ParseJob) => {
  try {
    const buffer = await readFile(job.path);
    const report = parseReport(buffer, { filename: job.path, origin: { kind: 'file', path: job.path }, now: new Date(job.now) });
    parentPort!.postMessage({ id: job.id, report });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    parentPort!.postMessage({ id: job.id, error: { message: e.message, code: e.code } });
  }
});
parentPort?.postMessage({ ready: true });
