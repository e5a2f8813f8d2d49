/**
 * Runs upload validation (inspectDistributionAt, as the verifier does: ranged reads of a
 * file, never the whole of it in memory) over every file of the machine's real mirrors and
 * prints what failed, the time and the peak memory. A check to run before changing the
 * rules: every real file must still pass.
 *
 *   node --import tsx bench/check-mirror.ts [dir ...]   (default: /opt/pypi/files /opt/pypi-more/files)
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

import { type DistributionSource, inspectDistributionAt } from '../lambdas/core/distribution.ts';

async function fileSource(file: string): Promise<DistributionSource & { close(): Promise<void> }> {
  const handle = await open(file, 'r');
  const { size } = await stat(file);
  return {
    size,
    async read(offset, length) {
      const buffer = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) throw new Error(`short read of ${file}`);
        done += bytesRead;
      }
      return buffer;
    },
    stream: () => createReadStream(file, { highWaterMark: 1024 * 1024 }),
    close: () => handle.close(),
  };
}

const dirs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['/opt/pypi/files', '/opt/pypi-more/files'];
let files = 0;
let bytes = 0;
const failures: string[] = [];
let peakRss = 0;
let slowest = { file: '', ms: 0 };
const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const started = performance.now();
for (const dir of dirs) {
  for (const name of (await readdir(dir)).sort()) {
    if (!/\.(whl|tar\.gz|zip)$/.test(name)) continue;
    const source = await fileSource(path.join(dir, name));
    const t = performance.now();
    try {
      await inspectDistributionAt(name, source);
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await source.close();
    }
    const ms = performance.now() - t;
    if (ms > slowest.ms) slowest = { file: name, ms };
    files++;
    bytes += source.size;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
}
clearInterval(timer);
const seconds = (performance.now() - started) / 1000;
for (const failure of failures) console.log(`FAIL ${failure}`);
console.log(
  `${files} files, ${(bytes / 1e9).toFixed(2)} GB, ${failures.length} refused, ${seconds.toFixed(1)} s, slowest ${slowest.file} ${(slowest.ms / 1000).toFixed(1)} s, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
);
