/**
 * Orchestrator-side helpers of the many-client scenarios (fanout, catch-up, idle-memory),
 * on top of scenario.ts: where their load process (bench/lib/b-load.ts, which exports the
 * types of its answers) makes REST calls, memory readings of a server, and the table and
 * report they print. Their baseline is bench/lib/b-raw-broadcast.ts.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ParleyProcess } from './parley-process.js';
import { benchLibDir, sleep } from './scenario.js';

/** Where the load process makes Parley's REST calls (a ParleyProcess itself does not go through JSON). */
export function restTarget(parley: ParleyProcess): { url: string; appKey: string; appSecret: string } {
  return { url: parley.url, appKey: parley.appKey, appSecret: parley.appSecret };
}

/** Resident set size of a process, in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** NODE_OPTIONS that make a server collect all garbage on SIGUSR2 (bench/lib/b-gc-preload.ts). */
export const gcOnSignalNodeOptions = `--import tsx --import ${join(benchLibDir, 'b-gc-preload.ts')}`;

export interface MemoryReading {
  /** VmRSS, bytes. */
  rss: number;
  /** V8 heap used + memory of Buffers and other objects outside the heap, bytes (process.memoryUsage). */
  heapAndExternal: number;
}

/**
 * Memory after forced full collections, lowest of `times` readings; the process must run
 * with `gcOnSignalNodeOptions` and B_GC_REPORT=`reportFile` in its environment.
 */
export async function memoryAfterGc(pid: number, reportFile: string, times = 3): Promise<MemoryReading> {
  let rss = Infinity;
  let heapAndExternal = Infinity;
  for (let i = 0; i < times; i++) {
    process.kill(pid, 'SIGUSR2');
    await sleep(700);
    rss = Math.min(rss, rssBytes(pid));
    const last = readFileSync(reportFile, 'utf8').trim().split('\n').at(-1);
    if (!last) throw new Error(`no memory report from ${pid} in ${reportFile}`);
    const usage = JSON.parse(last) as { heapUsed: number; external: number };
    heapAndExternal = Math.min(heapAndExternal, usage.heapUsed + usage.external);
  }
  return { rss, heapAndExternal };
}

export const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** One table row: the first cell left-aligned, the rest right-aligned. */
export function row(cells: string[], first = 30, rest = 14): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(first) : cell.padStart(rest))).join('');
}

/** nproc and CPU model, for the header of a table. */
export function machine(): string {
  let model = 'unknown CPU';
  try {
    model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux
  }
  return `${model}, ${availableParallelism()} CPUs`;
}

/**
 * Prints a scenario's report: its lines, then each failure and, after a failure, the end
 * of what Parley printed; a failure makes the process exit non-zero.
 */
export function printReport(lines: readonly string[], failures: readonly string[], parleyOutput: string): void {
  const all = [...lines, ...failures.map((f) => `FAILED: ${f}`)];
  if (failures.length > 0 && parleyOutput) all.push('parley output (last 3,000 characters):', parleyOutput.slice(-3_000));
  process.stdout.write(`${all.join('\n')}\n`);
  if (failures.length > 0) process.exitCode = 1;
}
