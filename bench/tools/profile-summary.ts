/**
 * The top frames of a V8 CPU profile (`node --cpu-prof`, or a bench run with
 * BENCH_CPU_PROF=<dir>): self time by function, and total time by source file, so a hot
 * path can be read before it is optimised.
 *
 * Run: npx tsx bench/tools/profile-summary.ts <file.cpuprofile> [rows]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [rows]');
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

/** Where a frame comes from: our source (src/…), a package, Node itself, or V8. */
const place = (url: string) => {
  if (url === '') return '(native)';
  const match = /\/(src\/[^?]+|node_modules\/(?:@[^/]+\/)?[^/]+)/.exec(url);
  return match ? match[1]! : url.startsWith('node:') ? url : url.split('/').slice(-2).join('/');
};
const label = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'}  ${place(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;

const selfByFrame = new Map<string, number>();
const selfByPlace = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  selfByFrame.set(label(node), (selfByFrame.get(label(node)) ?? 0) + us);
  const where = place(node.callFrame.url);
  selfByPlace.set(where, (selfByPlace.get(where) ?? 0) + us);
}

const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
const print = (title: string, entries: Map<string, number>) => {
  process.stdout.write(`${title}\n`);
  for (const [name, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, rows)) process.stdout.write(`  ${pct(us)}  ${name}\n`);
};
process.stdout.write(`${file}: ${(totalUs / 1e6).toFixed(2)} s of samples\n`);
print('self time by function', selfByFrame);
print('self time by file or package', selfByPlace);
