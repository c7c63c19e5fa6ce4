import { parentPort, workerData } from 'node:worker_threads';
import { extractText } from './extract';

/** Runs in a worker thread: a slow or huge document never blocks the API's event loop. */
const job = workerData as { path: string; contentType: string; maxChars: number };
extractText(job.path, job.contentType, { maxChars: job.maxChars }).then(
  (parts) => parentPort!.postMessage({ parts }),
  (err: unknown) => parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) }),
);
