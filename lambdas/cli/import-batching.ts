/**
 * What makes `wharf import` of many small files cheap for the stores: the per-file reads
 * gathered into BatchGetItems, and the page serials raised once per project per batch
 * instead of once per file. Every check the ingest makes is still made, in the same order;
 * only how the reads and the serial raises travel changes.
 *
 * - Reads: Ingest asks getFile and getTombstone for each file, before and after its
 *   conditional Put. Calls made while files are in flight are queued and sent together as
 *   one strongly consistent BatchGetItem within 2 ms: the same reads,
 *   answered by the same table, a fraction of the round trips.
 * - Serial raises: a page's serial must be raised after the write it announces, so that a
 *   reader who sees the new serial sees the new file. Raised at most every RAISE_EVERY_MS
 *   (and at the end of the run), after the writes that asked for them, that still holds; a
 *   warm reader's page can lag the import by that long. Should the import die before a
 *   raise, a re-run raises every project's serial again (the `unchanged` path of Ingest
 *   calls putProject, which raises it), and an upload or a cold reader sees the files anyway.
 */
import type { SerialRaises } from '../adapters/dynamodb-metadata-store.ts';
import type { FileLookups, MetadataStore } from '../app/ports.ts';
import type { DistributionFile, Tombstone } from '../core/model.ts';

export interface ImportBatching {
  readonly lookups: FileLookups;
  /** The metadata store, with its serial raises handed to `raises` instead of sent. */
  deferRaises(raises: SerialRaises): MetadataStore;
  /** Raises each serial once. */
  raiseSerials(pks: Iterable<string>): Promise<void>;
}

/** How long a lookup waits for others to share its BatchGetItem. */
const LOOKUP_WINDOW_MS = 2;

/** How long a warm reader's page may lag a running import. */
export const RAISE_EVERY_MS = 250;

interface Pending {
  readonly project: string;
  readonly filename: string;
  readonly resolve: (found: { file?: DistributionFile; tombstone?: Tombstone }) => void;
  readonly reject: (err: unknown) => void;
}

/** `store`, with getFile and getTombstone answered by batched lookups. */
export function batchedLookups(store: MetadataStore, lookups: FileLookups): MetadataStore {
  let queue: Pending[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    lookups.lookupFiles(batch).then(
      (found) => batch.forEach((p, i) => p.resolve(found[i]!)),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  };
  const lookup = (project: string, filename: string) =>
    new Promise<{ file?: DistributionFile; tombstone?: Tombstone }>((resolve, reject) => {
      // A short window, so lookups of files a few I/O callbacks apart share a batch.
      if (queue.length === 0) setTimeout(flush, LOOKUP_WINDOW_MS);
      queue.push({ project, filename, resolve, reject });
    });
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'getFile') return async (project: string, filename: string) => (await lookup(project, filename)).file;
      if (property === 'getTombstone') return async (project: string, filename: string) => (await lookup(project, filename)).tombstone;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Serial raises gathered and sent every RAISE_EVERY_MS, one per serial. `finish` sends what
 * is left and throws if any raise could not be sent.
 */
export function gatheredRaises(batching: ImportBatching): { readonly raises: SerialRaises; finish(): Promise<void> } {
  const pending = new Set<string>();
  let sending: Promise<void> = Promise.resolve();
  let failure: unknown;
  const send = () => {
    if (pending.size === 0) return sending;
    const pks = [...pending];
    pending.clear();
    sending = sending.then(() =>
      batching.raiseSerials(pks).then(
        () => {
          failure = undefined;
        },
        (err: unknown) => {
          // Kept for the next round: a raise may be sent late, never left out.
          for (const pk of pks) pending.add(pk);
          failure = err;
        },
      ),
    );
    return sending;
  };
  const timer = setInterval(() => void send(), RAISE_EVERY_MS);
  timer.unref();
  return {
    raises: { add: (pk) => pending.add(pk) },
    async finish() {
      clearInterval(timer);
      await send();
      if (pending.size > 0) await send();
      if (pending.size > 0) {
        throw new Error(
          `The import stored its files, but could not raise ${pending.size} page serials (${String(failure)}); warm readers may not show the new files until the next change. Run the import again to raise them.`,
        );
      }
    },
  };
}
