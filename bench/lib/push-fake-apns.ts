/**
 * push-fanout's provider: the tests' fake APNs (test/helpers/fake-apns.ts, cleartext
 * HTTP/2, checking every provider token) as its own process on the load core, so Parley
 * and the bare client it is compared with both push to it over real HTTP/2.
 *
 * Commands (load-commands.ts): `start {teamId, keyId, bundleId, publicKey (PEM)}` →
 * `{url}`; `mark` → `{index}`, the number of pushes answered so far; `waitFor {from,
 * count, timeoutMs}` → when `count` pushes after `from` were accepted: `{accepted, firstAt,
 * lastAt, refused}` (epoch ms).
 */
import { createPublicKey } from 'node:crypto';
import { FakeApns } from '../../test/helpers/fake-apns.js';
import { answerCommands } from './load-commands.js';
import { sleep } from './scenario.js';

let fake: FakeApns | undefined;
const started = () => {
  if (!fake) throw new Error('start first');
  return fake;
};

const commands: Record<string, (args: never) => Promise<unknown>> = {
  async start(args: { teamId: string; keyId: string; bundleId: string; publicKey: string }) {
    fake = await new FakeApns({ teamId: args.teamId, keyId: args.keyId, bundleId: args.bundleId, publicKey: createPublicKey(args.publicKey) }).start();
    return { url: fake.url };
  },
  async mark() {
    return { index: started().pushes.length };
  },
  async waitFor(args: { from: number; count: number; timeoutMs: number }) {
    const pushes = started().pushes;
    const deadline = Date.now() + args.timeoutMs;
    const accepted = () => pushes.slice(args.from).filter((p) => p.status === 200);
    while (accepted().length < args.count && Date.now() < deadline) await sleep(20);
    const done = accepted();
    return { accepted: done.length, firstAt: done[0]?.at ?? 0, lastAt: done.at(-1)?.at ?? 0, refused: pushes.length - args.from - done.length };
  },
};

answerCommands(
  async (command) => {
    const run = commands[String(command.op)];
    if (!run) throw new Error(`unknown command ${String(command.op)}`);
    return run(command as never);
  },
  () => fake?.close() ?? Promise.resolve(),
);
