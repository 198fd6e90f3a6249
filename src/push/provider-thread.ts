import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { App } from '../core/apps.js';
import type { PushOutcome } from '../core/push/provider.js';
import { createPushProviders } from './providers.js';
import { pushThreadNice, type FromPushThread, type ToPushThread } from './threaded-providers.js';

/** The push thread (src/push/threaded-providers.ts): each app's providers, sending what the node asks. */
const port = parentPort!;

// On Linux a nice value is per thread (a new thread starts with its creator's); elsewhere it
// would lower the whole node, so it is set on Linux only.
if (process.platform === 'linux') {
  try {
    setPriority(pushThreadNice(getPriority()));
  } catch {
    // Not allowed here (a sandbox): the thread sends at the node's priority, as it would elsewhere.
  }
}

/** The node's clock as of its last send (the provider tokens' ages are counted on it). */
let now = Date.now();
const providers = createPushProviders(() => now);
const apps = new Map<string, Pick<App, 'appKey' | 'push'>>();

port.on('message', (message: ToPushThread) => {
  switch (message.kind) {
    case 'settings': {
      // A new push object with the other provider's settings object kept, so that its connection is kept too.
      const { appKey, provider, settings } = message;
      apps.set(appKey, { appKey, push: { ...apps.get(appKey)?.push, [provider]: settings } });
      return;
    }
    case 'send':
      now = message.now;
      void send(message).then((outcome) => port.postMessage({ id: message.id, outcome } satisfies FromPushThread));
      return;
    case 'close':
      void providers.close().finally(() => process.exit(0));
  }
});

async function send({ appKey, provider, request }: Extract<ToPushThread, { kind: 'send' }>): Promise<PushOutcome> {
  const app = apps.get(appKey);
  const made = app && providers.of(app, provider);
  if (!made) return { kind: 'failed', reason: `no ${provider} settings reached the push thread` };
  return made.send(request).catch((err: unknown) => ({ kind: 'retry', reason: `push failed: ${(err as Error).message}` }));
}
