/**
 * `tsx bench/heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [TOP]`: what grew between
 * two V8 heap snapshots (node:v8 writeHeapSnapshot, or --heapsnapshot-signal), by node type
 * and constructor name: count and self size in each, and the difference, largest growth
 * first. Reads the snapshot JSON itself (nodes, strings, snapshot.meta), so it needs no
 * DevTools; a snapshot of a few hundred MB wants --max-old-space-size to match.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Tally {
  count: number;
  bytes: number;
}

export function tally(file: string): Map<string, Tally> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, Tally>();
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = types[snap.nodes[i + typeAt]!]!;
    // Strings and code are grouped by type: their "names" are their contents.
    const name = type === 'object' || type === 'closure' || type === 'native' ? snap.strings[snap.nodes[i + nameAt]!]! : '';
    const key = `${type}${name ? ` ${name.slice(0, 80)}` : ''}`;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snap.nodes[i + sizeAt]!;
    out.set(key, entry);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [before, after, top = '25'] = process.argv.slice(2);
  if (!before || !after) {
    process.stderr.write('Usage: tsx bench/heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [TOP]\n');
    process.exit(2);
  }
  const a = tally(before);
  const b = tally(after);
  const rows = [...new Set([...a.keys(), ...b.keys()])].map((key) => {
    const x = a.get(key) ?? { count: 0, bytes: 0 };
    const y = b.get(key) ?? { count: 0, bytes: 0 };
    return { key, count0: x.count, count1: y.count, bytes0: x.bytes, bytes1: y.bytes };
  });
  const total = (m: Map<string, Tally>) => [...m.values()].reduce((s, t) => s + t.bytes, 0);
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  console.log(`total self size: ${kb(total(a))} -> ${kb(total(b))}`);
  for (const [label, by] of [
    ['by growth in count', (r: (typeof rows)[number]) => r.count1 - r.count0],
    ['by growth in self size', (r: (typeof rows)[number]) => r.bytes1 - r.bytes0],
  ] as const) {
    console.log(`\n${label}:`);
    for (const r of [...rows].sort((p, q) => by(q) - by(p)).slice(0, Number(top))) {
      console.log(
        `  ${String(r.count0).padStart(8)} -> ${String(r.count1).padStart(8)} (${r.count1 - r.count0 >= 0 ? '+' : ''}${r.count1 - r.count0})`.padEnd(40) +
          `${kb(r.bytes0).padStart(10)} -> ${kb(r.bytes1).padStart(10)}   ${r.key}`,
      );
    }
  }
}
