/**
 * dynalite 4 leaks one LevelDB iterator per Query and Scan, for as long as the process
 * lives; this closes them.
 *
 * dynalite reads a range through a stream over `db.values()` and, when the stream ends or
 * is destroyed, closes the iterator with `iterator.return()` if the iterator has one. The
 * iterators of abstract-level 3 (under `level` 10 and `memory-level` 3) have `close()`
 * and no `return()`, so none is ever closed. The database keeps every open iterator in its
 * resource set, so none is ever collected either, and each one pins a LevelDB snapshot
 * with the memtables and table files it saw (with memory-level, the tree it saw): RSS
 * grew by every Query the server ever answered (issue 14; heap snapshots show
 * DefaultValueIterator counts growing by one per Query).
 *
 * The fix gives those iterators the `return()` dynalite looks for, closing them as the
 * async-iterator protocol does. It is a no-op if dynalite or abstract-level already agree.
 */
import { createRequire } from 'node:module';

interface IteratorClass {
  prototype: { close(): Promise<void>; return?: () => Promise<{ done: true; value: undefined }> };
}

let applied = false;

/** The abstract-level iterator classes that dynalite's own `level` and `memory-level` use. */
export function dynaliteIteratorClasses(): IteratorClass[] {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const classes = new Set<IteratorClass>();
  for (const [store, backend] of [
    ['level', 'classic-level'],
    ['memory-level', undefined],
  ] as const) {
    let from = createRequire(fromDynalite.resolve(store));
    if (backend) from = createRequire(from.resolve(backend));
    const abstract = from('abstract-level') as Record<string, IteratorClass>;
    for (const name of ['AbstractIterator', 'AbstractKeyIterator', 'AbstractValueIterator']) {
      const cls = abstract[name];
      if (cls) classes.add(cls);
    }
  }
  return [...classes];
}

/** Makes dynalite close the LevelDB iterators of its queries. Idempotent. */
export function closeDynaliteIterators(): void {
  if (applied) return;
  for (const cls of dynaliteIteratorClasses()) {
    if (typeof cls.prototype.return === 'function') continue;
    Object.defineProperty(cls.prototype, 'return', {
      configurable: true,
      writable: true,
      value: async function (this: IteratorClass['prototype']) {
        await this.close();
        return { done: true, value: undefined };
      },
    });
  }
  applied = true;
}
