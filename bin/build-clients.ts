/**
 * `npm run build:clients` (also `npm run build:action`): rebuilds the GitHub Action's
 * bundle and the single-file client from the CLI's code (lib/client-bundles.ts). Run it
 * after changing anything they are built from, and commit what it writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildClient, CLIENT_BUNDLES } from '../lib/client-bundles.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
for (const bundle of Object.values(CLIENT_BUNDLES)) {
  const text = await buildClient(bundle, ROOT);
  const output = path.join(ROOT, bundle.output);
  mkdirSync(path.dirname(output), { recursive: true });
  writeFileSync(output, text);
  process.stdout.write(`${bundle.output}: ${(Buffer.byteLength(text) / 1024).toFixed(0)} KB (${bundle.name}, from ${bundle.entry})\n`);
}
