/**
 * `npm run bench -- downloads`: what pip asks of the index when it resolves from `.metadata`
 * (requests to Wharf, redirects that cost it a second hop to S3, time), and whether the
 * download URL of one file is the same at two times within a day, so pip's URL-keyed cache
 * and CI caches of ~/.cache/pip can hit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDbMetadataStore } from '../lambdas/adapters/dynamodb-metadata-store.ts';
import { S3BlobStore } from '../lambdas/adapters/s3-blob-store.ts';
import { sdkS3Objects } from '../lambdas/adapters/s3-sdk-objects.ts';
import { importDistributions } from '../lambdas/cli/import-command.ts';
import { s3FileUploader } from '../lambdas/cli/import-target.ts';
import { Downloads } from '../lambdas/app/downloads.ts';
import { DEFAULTS } from '../lambdas/config/wharf-config.ts';
import { createDynamoDbClient, createLocalUrlSigner, createS3Client } from '../lambdas/local/embedded-stores.ts';
import { startLocalWharf } from '../lambdas/local/local-wharf.ts';
import { buildFixtures } from '../test/fixtures/build-fixtures.ts';
import { pip } from '../test/support/processes.ts';

const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function downloadsBench(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'wharf-bench-downloads-'));
  const requests: { url: string; status: number }[] = [];
  const wharf = await startLocalWharf({ port: 0, onRequest: ({ url, status }) => requests.push({ url, status }) });
  try {
    const dist = path.join(work, 'dist');
    await buildFixtures(dist);
    const dynamodb = createDynamoDbClient(wharf.stores);
    const s3 = createS3Client(wharf.stores);
    await importDistributions(
      {
        description: 'bench',
        metadata: new DynamoDbMetadataStore(dynamodb, wharf.stores.tableName),
        blobs: new S3BlobStore(sdkS3Objects(s3, wharf.stores.bucketName)),
        files: s3FileUploader(s3, wharf.stores.bucketName),
        close: async () => undefined,
      },
      [dist],
    );
    dynamodb.destroy();
    s3.destroy();

    // Resolution only (--dry-run): pip reads pages and .metadata and downloads no wheel.
    const times: number[] = [];
    let perRun = { wharf: 0, metadata: 0, redirects: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      requests.length = 0;
      const started = performance.now();
      const r = await pip(['install', '--dry-run', '--ignore-installed', '--no-cache-dir', '--index-url', wharf.indexUrl, 'wharf-demo-app', 'wharf-demo-core']);
      times.push(performance.now() - started);
      if (r.code !== 0) throw new Error(`pip failed: ${r.stderr}`);
      const metadata = requests.filter((q) => q.url.endsWith('.metadata'));
      perRun = {
        wharf: requests.length,
        metadata: metadata.length,
        redirects: metadata.filter((q) => q.status === 302).length,
      };
    }
    console.log('pip resolution from .metadata (pip install --dry-run of 2 projects, no cache, local server)');
    console.log(
      `  ${perRun.wharf} requests to Wharf, ${perRun.metadata} of them .metadata, ${perRun.redirects} answered with a 302` +
        ` (each a second request, to S3): ${perRun.wharf + perRun.redirects} requests in all;` +
        ` ${median(times).toFixed(0)} ms per pip run (median of ${ROUNDS})`,
    );

    // The same file at two times within a day, signed as the local server signs.
    const key = 'files/wharf-demo-core/' + '0'.repeat(64) + '/wharf_demo_core-1.0.0-py3-none-any.whl';
    const window = DEFAULTS.signingWindowSeconds;
    const start = Math.floor(Date.now() / (window * 1000)) * window * 1000;
    const at = (ms: number) => new Downloads(createLocalUrlSigner(wharf.stores), { signingWindowSeconds: window }, () => ms).presignedKey(key);
    const [morning, evening, nextDay] = await Promise.all([at(start + 60_000), at(start + window * 1000 - 60_000), at(start + window * 1000 + 60_000)]);
    console.log(
      `Download URL of one file, window ${window} s: the same at two times ${((window - 120) / 3600).toFixed(1)} h apart within a window: ` +
        `${morning === evening ? 'IDENTICAL' : 'DIFFERENT'}; across the window boundary: ${evening === nextDay ? 'identical' : 'changes (as it should)'}`,
    );
  } finally {
    await wharf.close();
    await rm(work, { recursive: true, force: true });
  }
}
