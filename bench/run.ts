/**
 * `npm run bench`: runs every scenario in bench/ (each `*.ts` file but this one), one
 * after the other, each in its own process (`node --import tsx <file>`), so one
 * scenario's JIT state and heap cannot colour the next. Exits non-zero if any failed.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
/** A scenario should stop by itself within seconds; this only catches a hung one. */
const scenarioTimeoutMs = 120_000;

const scenarios = readdirSync(benchDir)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts') && name !== 'run.ts')
  .sort();

function runScenario(file: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: 'inherit' });
    const timer = setTimeout(() => child.kill('SIGKILL'), scenarioTimeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

const failed: string[] = [];
for (const name of scenarios) {
  process.stdout.write(`\n== bench/${name}\n`);
  const started = performance.now();
  const { code, signal } = await runScenario(join(benchDir, name));
  const seconds = ((performance.now() - started) / 1_000).toFixed(1);
  if (code === 0) {
    process.stdout.write(`-- bench/${name}: ok in ${seconds} s\n`);
  } else {
    failed.push(name);
    process.stdout.write(`-- bench/${name}: FAILED (${signal ?? `exit code ${code}`}) after ${seconds} s\n`);
  }
}

if (scenarios.length === 0) {
  process.stdout.write('no bench scenarios found\n');
  process.exitCode = 1;
} else if (failed.length > 0) {
  process.stdout.write(`\n${failed.length} of ${scenarios.length} scenarios failed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`\nall ${scenarios.length} scenarios passed\n`);
}
