'use strict';
// Runs the official rongcloud-sdk's own jasmine spec suite (node_modules/rongcloud-sdk/spec),
// unchanged, against the Parley at PARLEY_URL, and prints one JSON line per spec on stdout.
// The suite signs with its own app key and secret; the caller configures Parley with them.
const path = require('node:path');
const Jasmine = require('jasmine');

// Set before the suite's helper calls RongCloud({appkey, secret}): the SDK keeps the api it has.
require('rongcloud-sdk/lib/request').init({ api: process.env.PARLEY_URL });

const sdkDir = path.dirname(require.resolve('rongcloud-sdk'));
const runner = new Jasmine({ projectBaseDir: sdkDir });
runner.loadConfig({ spec_dir: 'spec', spec_files: ['**/*Spec.js'], helpers: ['helpers/**/*.js'], random: false });
runner.exitOnCompletion = false;
runner.clearReporters();
runner.addReporter({
  specDone(result) {
    process.stdout.write(`${JSON.stringify({ name: result.fullName, status: result.status, failures: result.failedExpectations.map((f) => f.message) })}\n`);
  },
});
runner.execute().catch((err) => {
  process.stderr.write(`${err && err.stack}\n`);
  process.exitCode = 1;
});
