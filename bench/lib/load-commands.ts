/**
 * The command loop of a load process (a-http-load, a-ws-load, b-load), the other end of
 * ScenarioScope.load in scenario.ts: one JSON command `{op, …}` per stdin line, answered
 * by one JSON line on stdout, one command at a time and in order, so answers need no ids;
 * a command that throws is answered `{"error": "…"}`. Nothing else may go to stdout.
 */
import { createInterface } from 'node:readline';

/**
 * Answers the commands on stdin with `handle`, and the `hello` the scenario sends once
 * the process is up. When stdin ends, the queued commands finish, then `beforeExit`,
 * then the process exits.
 */
export function answerCommands(handle: (command: Record<string, unknown>) => Promise<unknown>, beforeExit?: () => Promise<void>): void {
  let queue: Promise<void> = Promise.resolve();
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    queue = queue.then(async () => {
      let answer: unknown;
      try {
        const command = JSON.parse(line) as Record<string, unknown>;
        answer = command.op === 'hello' ? { ok: true } : await handle(command);
      } catch (err) {
        answer = { error: err instanceof Error ? err.message : String(err) };
      }
      process.stdout.write(`${JSON.stringify(answer)}\n`);
    });
  });
  input.on('close', () => {
    void queue.then(async () => {
      await beforeExit?.();
      process.exit(0);
    });
  });
}
