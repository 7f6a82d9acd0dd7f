import { readFile, stat } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { parseReport } from './parsers/index.ts';
import { toStored } from './report-codec.ts';

interface ParseJob {
  id: number;
  path: string;
  now: string;
}

parentPort?.on('message', async (job: ParseJob) => {
  try {
    // The stat happens here too, so the main thread posts every job at once and the worker never waits for it.
    const info = await stat(job.path);
    const buffer = await readFile(job.path);
    const report = parseReport(buffer, {
      filename: job.path,
      origin: { kind: 'file', path: job.path, size: info.size, mtimeMs: info.mtimeMs },
      now: new Date(job.now),
    });
    // Sent in stored form (sections as lengths over the text): half the bytes to copy between threads.
    parentPort!.postMessage({ id: job.id, report: toStored(report) });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    parentPort!.postMessage({ id: job.id, error: { message: e.message, code: e.code } });
  }
});
parentPort?.postMessage({ ready: true });
