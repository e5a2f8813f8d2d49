/**
 * Upload throughput of `wharf publish` (the PublishClient it runs) against the local S3,
 * beside a plain presigned PUT of the same bytes to the same S3 server: the limit any
 * client could reach. Publish is timed end to end (hashing, parts, completion and the
 * server's verification and copy) and for its upload phase alone.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PublishClient, tokenAuth } from '../lambdas/cli/publish-client.ts';
import { createLocalUrlSigner } from '../lambdas/local/embedded-stores.ts';
import { startLocalWharf } from '../lambdas/local/local-wharf.ts';
import { writeBigWheel } from '../test/support/big-wheel.ts';

const MB = 1000 * 1000;

/** A streamed PUT of a file to a presigned URL: what a plain `curl -T` would do. */
function putFile(url: string, file: string, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url), { method: 'PUT', headers: { 'content-length': String(size) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`plain PUT answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(req);
  });
}

export async function uploadThroughput(sizes: readonly number[] = [10 * MB, 100 * MB, 1000 * MB]): Promise<void> {
  console.log('\nUpload throughput against the local S3 (s3rver): wharf publish vs a plain presigned PUT of the same bytes');
  const dir = await mkdtemp(path.join(tmpdir(), 'wharf-bench-upload-'));
  const wharf = await startLocalWharf({ port: 0, logLevel: 'ERROR' });
  const signer = createLocalUrlSigner(wharf.stores);
  try {
    // Warm up (JIT, first connections, s3rver's first writes), as a warm Lambda would be.
    const warm = await writeBigWheel(dir, { name: 'bench-warmup', version: '1.0', payloadBytes: 1000 });
    await new PublishClient(wharf.url, tokenAuth(wharf.admin.token)).publish(warm.path);
    for (const [i, size] of sizes.entries()) {
      const wheel = await writeBigWheel(dir, { name: `bench-upload${i}`, version: '1.0', payloadBytes: size });
      const plainUrl = await signer.presignPut(`bench/plain-${i}.whl`, { expiresIn: 3600, signingDate: new Date() });
      const plainStart = performance.now();
      await putFile(plainUrl, wheel.path, wheel.size);
      const plainSeconds = (performance.now() - plainStart) / 1000;

      let uploadedAt = 0;
      const started = performance.now();
      const client = new PublishClient(wharf.url, tokenAuth(wharf.admin.token), {
        onProgress: (p) => {
          if (p.phase === 'verifying' && uploadedAt === 0) uploadedAt = performance.now();
        },
      });
      const result = await client.publish(wheel.path);
      if (result.outcome !== 'published') throw new Error(`${wheel.filename} was ${result.outcome}`);
      const seconds = (performance.now() - started) / 1000;
      const uploadSeconds = ((uploadedAt || performance.now()) - started) / 1000;
      const rate = (s: number) => wheel.size / MB / s;
      console.log(
        `  ${`${Math.round(size / MB)} MB`.padStart(7)}  plain PUT ${rate(plainSeconds).toFixed(0).padStart(4)} MB/s | ` +
          `wharf publish ${rate(seconds).toFixed(0).padStart(4)} MB/s end to end (${((rate(seconds) / rate(plainSeconds)) * 100).toFixed(0)}% of plain PUT), ` +
          `${rate(uploadSeconds).toFixed(0)} MB/s to the end of the upload (${((rate(uploadSeconds) / rate(plainSeconds)) * 100).toFixed(0)}%)`,
      );
      await rm(wheel.path);
    }
  } finally {
    await wharf.close();
    await rm(dir, { recursive: true, force: true });
  }
}
