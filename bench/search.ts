/**
 * `npm run bench -- search [--projects N]`: the search and the front page over N project
 * summaries (default 10,000) in the embedded DynamoDB, read as the read function reads
 * them (ProjectViews on DynamoDbMetadataStore), with the read units DynamoDB would bill
 * (ConsumedCapacity, as dynalite counts it) and the latency of a cold function (every
 * shard read), a warm one (the counters alone), one after an upload (one shard again),
 * and of the ranking itself in memory. Also: building the JSON API document of a project
 * of 10 to 10,000 files.
 */
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDbJsonClient } from '../lambdas/adapters/dynamodb-json-client.ts';
import { DynamoDbMetadataStore, LISTING_SHARDS, summaryItem } from '../lambdas/adapters/dynamodb-metadata-store.ts';
import { ProjectViews } from '../lambdas/app/project-views.ts';
import { SimpleIndex } from '../lambdas/app/simple-index.ts';
import type { DistributionFile } from '../lambdas/core/model.ts';
import { SummaryIndex, type ProjectSummary } from '../lambdas/core/project-search.ts';
import { latestRelease, releaseGroups, warehouseProjectJson } from '../lambdas/core/warehouse-json.ts';
import { createDynamoDbClient, createDynamoDbSdkClient } from '../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../lambdas/local/local-wharf.ts';

const WORDS = [
  'fast', 'json', 'http', 'async', 'data', 'cloud', 'micro', 'py', 'flask', 'django', 'test', 'lint', 'yaml', 'toml', 'aws',
  'sql', 'graph', 'image', 'audio', 'text', 'nlp', 'ml', 'torch', 'numpy', 'pandas', 'plot', 'cli', 'web', 'api', 'auth',
];
const NOUNS = ['client', 'server', 'tools', 'utils', 'parser', 'kit', 'core', 'lib', 'sdk', 'bridge', 'runner', 'schema'];

/** A deterministic spread of realistic-looking names and one-line summaries. */
function summaries(count: number): ProjectSummary[] {
  const out: ProjectSummary[] = [];
  for (let i = 0; i < count; i++) {
    const a = WORDS[i % WORDS.length]!;
    const b = NOUNS[Math.floor(i / WORDS.length) % NOUNS.length]!;
    const c = WORDS[Math.floor(i / (WORDS.length * NOUNS.length)) % WORDS.length]!;
    const name = `${a}-${b}-${c}-${i}`;
    const time = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
    out.push({
      name,
      displayName: name,
      version: `${1 + (i % 7)}.${i % 13}.${i % 5}`,
      summary: `A ${c} ${b} for ${a} projects, number ${i}, with a summary about as long as real ones are`,
      uploadTime: time,
      lastUpload: { version: `${1 + (i % 7)}.${i % 13}.${i % 5}`, time },
      serial: 1,
    });
  }
  return out;
}

function countingClient(stores: LocalWharf['stores']): { client: DynamoDbJsonClient; units: () => number; reset: () => void } {
  const client = createDynamoDbClient(stores);
  let total = 0;
  client.use(async (_operation, input, next) => {
    const output = await next({ ...input, ReturnConsumedCapacity: 'TOTAL' });
    total += (output['ConsumedCapacity'] as { CapacityUnits?: number } | undefined)?.CapacityUnits ?? 0;
    return output;
  });
  return { client, units: () => total, reset: () => (total = 0) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

function jsonDocuments(): void {
  console.log('\nJSON API document (/pypi/NAME/json) built from a kept project, median of 15');
  for (const count of [10, 1_000, 10_000]) {
    const files: DistributionFile[] = Array.from({ length: count }, (_, i) => ({
      project: 'bench-project',
      filename: `bench_project-${Math.floor(i / 10)}.${i % 10}-py3-none-any.whl`,
      version: `${Math.floor(i / 10)}.${i % 10}`,
      packagetype: 'bdist_wheel',
      sha256: i.toString(16).padStart(64, '0'),
      size: 100_000 + i,
      uploadTime: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
      requiresPython: '>=3.9',
    }));
    const samples: number[] = [];
    let bytes = 0;
    for (let run = 0; run < 16; run++) {
      const started = performance.now();
      const groups = releaseGroups(files);
      const doc = warehouseProjectJson({ name: 'bench-project', displayName: 'Bench-Project', serial: 1 }, groups, latestRelease(groups)!, undefined, { base: 'https://pkgs.example.org' });
      bytes = JSON.stringify(doc).length;
      if (run > 0) samples.push(performance.now() - started);
    }
    console.log(`  ${String(count).padStart(6)} files   ${median(samples).toFixed(1).padStart(6)} ms   ${(bytes / 1024 / 1024).toFixed(2)} MB of JSON (kept per serial: built once per change)`);
  }
}

export async function searchBench(projects: number): Promise<void> {
  jsonDocuments();
  console.log(`\nSearch over ${projects.toLocaleString('en')} project summaries (embedded DynamoDB, ${LISTING_SHARDS} shards; read units as ConsumedCapacity)`);
  const wharf = await startLocalWharf({ port: 0, logLevel: 'SILENT', upstream: { mode: 'none' } });
  try {
    const seedClient = createDynamoDbClient(wharf.stores);
    const seedStore = new DynamoDbMetadataStore(seedClient, wharf.stores.tableName);
    const all = summaries(projects);
    // Items straight in, 25 to a BatchWrite, then each shard's counter once: the write path's
    // conditional Put and counter update cost ~15 ms each on dynalite, too slow for 100,000.
    const doc = DynamoDBDocumentClient.from(createDynamoDbSdkClient(wharf.stores), { marshallOptions: { removeUndefinedValues: true } });
    const seeded = await timed(async () => {
      const batches: Record<string, unknown>[][] = [];
      for (let i = 0; i < all.length; i += 25) batches.push(all.slice(i, i + 25).map(summaryItem));
      for (let i = 0; i < batches.length; i += 8) {
        await Promise.all(
          batches.slice(i, i + 8).map(async (batch) => {
            let pending: Record<string, unknown>[] = batch;
            while (pending.length > 0) {
              const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [wharf.stores.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }));
              pending = (UnprocessedItems?.[wharf.stores.tableName] ?? []).map((r: { PutRequest?: { Item?: Record<string, unknown> } }) => r.PutRequest!.Item!);
            }
          }),
        );
      }
      for (let shard = 0; shard < LISTING_SHARDS; shard++) {
        await doc.send(new UpdateCommand({ TableName: wharf.stores.tableName, Key: { pk: 'SUMMARIES#SERIAL', sk: '#SERIAL' }, UpdateExpression: 'ADD #s :one', ExpressionAttributeNames: { '#s': `s${String(shard).padStart(2, '0')}` }, ExpressionAttributeValues: { ':one': 1 } }));
      }
    });
    console.log(`  seeded in ${(seeded.ms / 1000).toFixed(1)} s (BatchWrite of the items the write path stores)`);
    const oneWrite = await timed(() => seedStore.putProjectSummary({ ...all[1]!, serial: 2 }));
    console.log(`  one summary as the write path stores it (conditional Put + counter update): ${oneWrite.ms.toFixed(1)} ms`);

    const counting = countingClient(wharf.stores);
    const store = new DynamoDbMetadataStore(counting.client, wharf.stores.tableName);
    const views = new ProjectViews(store, new SimpleIndex(store));
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const cold = await timed(() => views.search('json'));
    global.gc?.();
    const heapKept = process.memoryUsage().heapUsed - heapBefore;
    const coldUnits = counting.units();
    counting.reset();
    const warm: number[] = [];
    for (let i = 0; i < 20; i++) warm.push((await timed(() => views.search('json client'))).ms);
    const warmUnits = counting.units() / 20;
    counting.reset();
    await seedStore.putProjectSummary({ ...all[0]!, serial: 2, summary: 'freshly uploaded' });
    const afterUpload = await timed(() => views.search('freshly'));
    const afterUnits = counting.units();
    if (afterUpload.value.results[0]?.name !== all[0]!.name) throw new Error('the new summary was not found after its upload');
    counting.reset();
    await views.overview();
    const overview = await timed(() => views.overview());

    console.log(`  cold function (reads every shard)       ${cold.ms.toFixed(0).padStart(6)} ms   ${coldUnits.toFixed(1).padStart(8)} RCU   ${cold.value.total} matches for "json"`);
    console.log(`  heap the kept summaries take           ${(heapKept / 1024 / 1024).toFixed(0).padStart(6)} MB${global.gc ? '' : ' (approximate: run with --expose-gc for an exact figure)'}`);
    console.log(`  warm function (the counters, one Get)   ${median(warm).toFixed(1).padStart(6)} ms   ${warmUnits.toFixed(1).padStart(8)} RCU   (median of 20)`);
    console.log(`  after an upload (its shard again)       ${afterUpload.ms.toFixed(0).padStart(6)} ms   ${afterUnits.toFixed(1).padStart(8)} RCU`);
    console.log(`  overview, warm (count + latest uploads) ${overview.ms.toFixed(1).padStart(6)} ms   ${overview.value.projectCount} projects`);

    const index = new SummaryIndex(await views.summaries());
    index.search('warm-up');
    index.overview();
    const queries: Array<[string, string, ((p: string) => boolean) | undefined]> = [
      ['exact name', all[123]!.name, undefined],
      ['prefix', 'json-', undefined],
      ['substring', 'client', undefined],
      ['summary words', 'torch bridge', undefined],
      ['private, 1 in 3 readable', 'json', (p: string) => p.length % 3 === 0],
    ];
    console.log('  ranking in memory (what a warm request spends after the Get), median of 15:');
    for (const [label, q, canRead] of queries) {
      const samples: number[] = [];
      let total = 0;
      for (let i = 0; i < 15; i++) {
        const started = performance.now();
        total = index.search(q, canRead ? { canRead } : {}).total;
        samples.push(performance.now() - started);
      }
      console.log(`    ${label.padEnd(26)} ${median(samples).toFixed(1).padStart(6)} ms   ${String(total).padStart(6)} matches`);
    }
    const perProjectUnits = coldUnits / projects;
    if (projects < 100_000) console.log(
      `  at 100,000 projects (linear in N): cold ≈ ${(perProjectUnits * 100_000).toFixed(0)} RCU and ~${((cold.ms / projects) * 100_000 / 1000).toFixed(1)} s here, ` +
        `after an upload ≈ ${((perProjectUnits * 100_000) / LISTING_SHARDS).toFixed(0)} RCU (one shard), warm still ${warmUnits.toFixed(1)} RCU; ranking ≈ 10× the times above`,
    );
    counting.client.destroy();
    seedClient.destroy();
  } finally {
    await wharf.close();
  }
}
