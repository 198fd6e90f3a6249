/**
 * Preloaded into a measured server (NODE_OPTIONS `--import`) by bench/idle-memory.ts:
 * on SIGUSR2, a full garbage collection, then (when B_GC_REPORT names a file) one JSON
 * line of process.memoryUsage() appended to that file. Changes nothing else.
 */
import { appendFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const report = process.env.B_GC_REPORT;
process.on('SIGUSR2', () => {
  gc();
  gc();
  if (report) appendFileSync(report, `${JSON.stringify(process.memoryUsage())}\n`);
});
