/**
 * Preloaded into a measured server (NODE_OPTIONS `--import`) by bench/idle-memory.ts:
 * on SIGUSR2, a full garbage collection, then (when B_GC_REPORT names a file) one JSON
 * line of process.memoryUsage() appended to that file; with B_HEAP_SNAPSHOTS naming a
 * folder, also a heap snapshot there (to see what a session holds: bench/tools/heap-diff.ts).
 * Changes nothing else.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const report = process.env.B_GC_REPORT;
const snapshots = process.env.B_HEAP_SNAPSHOTS;
let taken = 0;
process.on('SIGUSR2', () => {
  gc();
  gc();
  if (report) appendFileSync(report, `${JSON.stringify(process.memoryUsage())}\n`);
  if (snapshots) writeHeapSnapshot(join(snapshots, `${process.pid}-${++taken}.heapsnapshot`));
});
