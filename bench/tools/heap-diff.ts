/**
 * What grew between two heap snapshots (bench/idle-memory.ts with B_HEAP_SNAPSHOTS=<dir>
 * writes one per reading): self sizes summed by node type and constructor name, as bytes per added item (`per`, e.g. the sessions opened between the
 * two), largest growth first.
 *
 * Run: npx tsx bench/tools/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [per] [rows]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Bytes and count by "type name", over every node of a snapshot. */
function sizesByKind(file: string): Map<string, { bytes: number; count: number }> {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const types = heap.snapshot.meta.node_types[0];
  const sizes = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const type = types[heap.nodes[i + typeAt]!]!;
    // Strings and code are grouped by type alone: their names are their contents.
    const name = type === 'object' || type === 'closure' || type === 'native' ? heap.strings[heap.nodes[i + nameAt]!]! : '';
    const key = `${type} ${name}`.trim();
    const entry = sizes.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += heap.nodes[i + sizeAt]!;
    entry.count += 1;
    sizes.set(key, entry);
  }
  return sizes;
}

const [beforeFile, afterFile, perArg, rowsArg] = process.argv.slice(2);
if (!beforeFile || !afterFile) throw new Error('usage: heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [per] [rows]');
const per = Number(perArg ?? 1);
const rows = Number(rowsArg ?? 30);
const before = sizesByKind(beforeFile);
const after = sizesByKind(afterFile);
const growth = [...after].map(([key, a]) => {
  const b = before.get(key) ?? { bytes: 0, count: 0 };
  return { key, bytes: (a.bytes - b.bytes) / per, count: (a.count - b.count) / per };
});
const total = growth.reduce((sum, g) => sum + g.bytes, 0);
process.stdout.write(`heap growth: ${total.toFixed(0)} B per item (${per} items)\n     B/item   objs/item  kind\n`);
for (const g of growth.sort((x, y) => y.bytes - x.bytes).slice(0, rows)) {
  process.stdout.write(`${g.bytes.toFixed(0).padStart(10)} ${g.count.toFixed(2).padStart(11)}  ${g.key}\n`);
}
