/**
 * What lets a warm function serve a page without reading the project again: pages kept
 * with the serial they were read at (MetadataStore.getProjectSerial), checked on every
 * request by one small GetItem, and reads of that serial shared by the requests that can
 * share it.
 *
 * A kept page is only ever served for the serial it was read at, so a write that raised
 * the serial is visible on the very next request; the cache saves the page Query, the
 * render, the ETag and the gzip, never the check.
 */

/** Values kept with the serial they belong to; the least recently used go first. */
export class SerialCache<V> {
  private readonly entries = new Map<string, { serial: number; value: V; weight: number }>();
  private weight = 0;

  constructor(
    private readonly limits: { readonly maxEntries: number; readonly maxWeight: number },
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  /** The value kept for `key` at exactly `serial`, or undefined. */
  get(key: string, serial: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.serial !== serial) return undefined;
    // Most recently used last: Map keeps insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, serial: number, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    if (weight > this.limits.maxWeight) return;
    this.entries.set(key, { serial, value, weight });
    this.weight += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.weight <= this.limits.maxWeight) break;
      this.entries.delete(oldest);
      this.weight -= entry.weight;
    }
  }

  /** Weigh a kept value again after it grew (a render added to it). */
  reweigh(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.set(key, entry.serial, entry.value);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.weight -= entry.weight;
  }

  get size(): number {
    return this.entries.size;
  }
}

interface ReadState<T> {
  current?: Promise<T>;
  next?: Promise<T>;
}

const ignore = (): void => undefined;

/**
 * Reads that start after the request that asks for them, shared by every request that can
 * share them. A read already in flight began before this request arrived and may miss a
 * write that finished just before it, so a later arrival waits for the next read, which
 * every request arriving meanwhile shares: under load a function asks the store once per
 * round trip instead of once per request, and no answer is older than its request. (A
 * Lambda function serves one request at a time, so there every request reads.)
 */
export class FreshReads<T> {
  private readonly states = new Map<string, ReadState<T>>();

  constructor(private readonly read: (key: string) => Promise<T>) {}

  get(key: string): Promise<T> {
    let state = this.states.get(key);
    if (!state) {
      state = {};
      this.states.set(key, state);
    }
    const current = state.current;
    if (!current) return this.start(key, state);
    const s = state;
    s.next ??= current.then(ignore, ignore).then(() => {
      s.next = undefined;
      return this.start(key, s);
    });
    return s.next;
  }

  private start(key: string, state: ReadState<T>): Promise<T> {
    const read = this.read(key);
    state.current = read;
    const settle = (): void => {
      if (state.current !== read) return;
      state.current = undefined;
      if (!state.next) this.states.delete(key);
    };
    read.then(settle, settle);
    return read;
  }
}
