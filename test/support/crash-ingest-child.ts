/**
 * A process that publishes and is killed half way: test/integration/orphan-sweep-crash.test.ts
 * runs it, waits for the line `STEP <step>` on stdout and sends SIGKILL.
 *
 *   tsx crash-ingest-child.ts <dataDir> <import|serve> <step>
 *
 * `import` writes as `wharf import` does with no server running (openLocalTarget: embedded
 * stores of its own on the data directory); `serve` is a local server (it holds the data
 * directory's lock) whose ingest dies. First a file is published whole (it must survive the
 * sweep), then `demo 1.0` stops at <step>: after-blob, after-metadata, before-index, after-index.
 */
import { Ingest } from '../../lambdas/app/ingest.ts';
import type { BlobStore, MetadataStore } from '../../lambdas/app/ports.ts';
import { openLocalTarget } from '../../lambdas/cli/import-target.ts';
import { DynamoDbMetadataStore } from '../../lambdas/adapters/dynamodb-metadata-store.ts';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store.ts';
import { sdkS3Objects } from '../../lambdas/adapters/s3-sdk-objects.ts';
import { startLocalWharf } from '../../lambdas/local/local-wharf.ts';
import { METADATA_SUFFIX } from '../../lambdas/core/storage-keys.ts';
import { localStoreClients } from './local-store-clients.ts';
import { buildWheel, wheelFilename } from './dist-builder.ts';

import type { CrashStep } from './crash-steps.ts';

const [dataDir, mode, step] = process.argv.slice(2) as [string, 'import' | 'serve', CrashStep];

// Keep the process alive while it waits to be killed, whatever the stores do.
setInterval(() => undefined, 60_000);
const halt = async (at: CrashStep): Promise<never> => {
  process.stdout.write(`STEP ${at}\n`);
  return new Promise<never>(() => undefined);
};

let metadata: MetadataStore;
let blobs: BlobStore;
if (mode === 'import') {
  const target = await openLocalTarget(dataDir);
  metadata = target.metadata;
  blobs = target.blobs;
} else {
  const wharf = await startLocalWharf({ dataDir, port: 0, logLevel: 'SILENT' });
  const clients = localStoreClients(wharf.stores);
  metadata = new DynamoDbMetadataStore(clients.dynamodb, wharf.stores.tableName);
  blobs = new S3BlobStore(sdkS3Objects(clients.s3, wharf.stores.bucketName));
}

const wheel = (version: string) => {
  const opts = { name: 'demo', version };
  return { filename: wheelFilename(opts), bytes: buildWheel(opts) };
};

const good = wheel('0.9');
await new Ingest(metadata, blobs).ingest(good.filename, good.bytes);

const faultyBlobs: BlobStore = {
  async put(key, body, options) {
    await blobs.put(key, body, options);
    if (step === 'after-blob' && !key.endsWith(METADATA_SUFFIX)) await halt(step);
    if (step === 'after-metadata' && key.endsWith(METADATA_SUFFIX)) await halt(step);
  },
  delete: (key) => blobs.delete(key),
  exists: (key) => blobs.exists(key),
};
const faultyMetadata = new Proxy(metadata, {
  get(target, property, receiver) {
    if (property === 'putFile') {
      return async (file: Parameters<MetadataStore['putFile']>[0]) => {
        if (step === 'before-index') await halt(step);
        const outcome = await target.putFile(file);
        if (step === 'after-index') await halt(step);
        return outcome;
      };
    }
    const value = Reflect.get(target, property, receiver) as unknown;
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  },
});
const crashing = wheel('1.0');
await new Ingest(faultyMetadata, faultyBlobs).ingest(crashing.filename, crashing.bytes);
process.stdout.write('STEP never\n');
