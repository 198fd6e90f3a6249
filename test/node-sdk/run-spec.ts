// Runs the official rongcloud-sdk's own jasmine spec suite (node_modules/rongcloud-sdk/spec),
// unchanged, against the Parley at PARLEY_URL, and prints one JSON line per spec on stdout.
// The suite signs with its own app key and secret; the caller configures Parley with them.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

interface SpecResult {
  fullName: string;
  status: string;
  failedExpectations: Array<{ message: string }>;
}
interface JasmineRunner {
  loadConfig(config: Record<string, unknown>): void;
  clearReporters(): void;
  addReporter(reporter: { specDone(result: SpecResult): void }): void;
  execute(): Promise<unknown>;
  exitOnCompletion: boolean;
}

const require = createRequire(import.meta.url);
const Jasmine = require('jasmine') as new (options: { projectBaseDir: string }) => JasmineRunner;
// Set before the suite's helper calls RongCloud({appkey, secret}): the SDK keeps the api it has.
(require('rongcloud-sdk/lib/request') as { init(config: { api: string | undefined }): void }).init({ api: process.env.PARLEY_URL });

const runner = new Jasmine({ projectBaseDir: dirname(require.resolve('rongcloud-sdk')) });
runner.loadConfig({ spec_dir: 'spec', spec_files: ['**/*Spec.js'], helpers: ['helpers/**/*.js'], random: false });
runner.exitOnCompletion = false;
runner.clearReporters();
runner.addReporter({
  specDone(result) {
    process.stdout.write(`${JSON.stringify({ name: result.fullName, status: result.status, failures: result.failedExpectations.map((f) => f.message) })}\n`);
  },
});
await runner.execute();
