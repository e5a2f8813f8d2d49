/**
 * The embedded DynamoDB's answers to repeated GetItems, kept in memory until the next
 * write. dynalite spends about 0.3 ms of CPU on a GetItem (validation, LevelDB, its JSON),
 * which on AWS is DynamoDB's time, not the function's; a warm read function asks for the
 * same few small items (a project's serial) on every request. Every request still goes to
 * the service exactly as on AWS, signed and answered in DynamoDB's JSON: only the work
 * dynalite would repeat is saved.
 *
 * Safe by construction: any operation that is not a known read (PutItem, UpdateItem,
 * DeleteItem, BatchWriteItem, table changes, anything unknown) forgets every kept answer
 * when it starts and again when it ends, and an answer is kept only when no write started
 * or ran while it was read. So a GetItem answered from here is the one dynalite would
 * give: strongly consistent reads stay strongly consistent. Answers carry the
 * ConsumedCapacity DynamoDB would report, so read-unit figures are unchanged.
 */

/** The part of a response that dynalite writes an answer with. */
export interface AnswerSink {
  statusCode: number;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  end(body?: string | Buffer): unknown;
}

interface KeptAnswer {
  readonly status: number;
  readonly headers: readonly (readonly [string, number | string | readonly string[]])[];
  readonly body: Buffer;
}

/** Operations that change nothing: the rest forget every kept answer. */
const READS = new Set([
  'GetItem',
  'BatchGetItem',
  'Query',
  'Scan',
  'DescribeTable',
  'DescribeTimeToLive',
  'ListTables',
  'ListTagsOfResource',
]);

/** Table changes finish on dynalite's timers after their answer: keep nothing for a while. */
const TABLE_CHANGES = new Set(['CreateTable', 'DeleteTable', 'UpdateTable']);
const AFTER_TABLE_CHANGE_MS = 1_000;

export interface ReadMemoLimits {
  /** @default 10000 */
  readonly maxEntries?: number;
  /** Request and answer bytes together. @default 16 MiB */
  readonly maxBytes?: number;
  /** Larger answers are never kept. @default 64 KiB */
  readonly maxAnswerBytes?: number;
}

export class DynamoDbReadMemo {
  private readonly answers = new Map<string, KeptAnswer>();
  private bytes = 0;
  /** Raised when a write starts and when it ends. */
  private generation = 0;
  private writesInFlight = 0;
  private quietAfter = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxAnswerBytes: number;
  /** Answers given from memory, and GetItems that went to dynalite (for tests and benchmarks). */
  readonly counts = { kept: 0, asked: 0 };

  constructor(limits: ReadMemoLimits = {}) {
    this.maxEntries = limits.maxEntries ?? 10_000;
    this.maxBytes = limits.maxBytes ?? 16 * 1024 * 1024;
    this.maxAnswerBytes = limits.maxAnswerBytes ?? 64 * 1024;
  }

  /**
   * Answers `res` from memory and returns true (`key`: the request body as text), or returns the sink to hand dynalite
   * (which keeps the answer when it may), and what to call once dynalite has answered.
   */
  handle(target: string | string[] | undefined, key: string, res: AnswerSink): true | { readonly sink: AnswerSink } {
    const operation = typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : '';
    if (operation !== 'GetItem') {
      if (READS.has(operation)) return { sink: res };
      return { sink: this.write(operation, res) };
    }
    const kept = this.writesInFlight === 0 ? this.answers.get(key) : undefined;
    if (kept) {
      this.counts.kept++;
      // Most recently used last.
      this.answers.delete(key);
      this.answers.set(key, kept);
      res.statusCode = kept.status;
      for (const [name, value] of kept.headers) res.setHeader(name, value);
      res.end(kept.body);
      return true;
    }
    this.counts.asked++;
    const generation = this.generation;
    const mayKeep = () => this.writesInFlight === 0 && this.generation === generation && Date.now() >= this.quietAfter;
    if (!mayKeep()) return { sink: res };
    return { sink: this.recording(res, (answer) => mayKeep() && this.keep(key, answer)) };
  }

  private write(operation: string, res: AnswerSink): AnswerSink {
    this.forget();
    this.writesInFlight++;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.writesInFlight--;
      if (TABLE_CHANGES.has(operation)) this.quietAfter = Date.now() + AFTER_TABLE_CHANGE_MS;
      this.forget();
    };
    return this.recording(res, end, end);
  }

  private forget(): void {
    this.generation++;
    this.answers.clear();
    this.bytes = 0;
  }

  private keep(key: string, answer: KeptAnswer): void {
    if (answer.status !== 200 || answer.body.length > this.maxAnswerBytes) return;
    const size = key.length + answer.body.length;
    this.answers.delete(key);
    this.answers.set(key, answer);
    this.bytes += size;
    for (const [oldest, kept] of this.answers) {
      if (this.answers.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.answers.delete(oldest);
      this.bytes -= oldest.length + kept.body.length;
    }
  }

  /** A sink that passes everything on to `res` and tells `done` what the answer was. */
  private recording(res: AnswerSink, done: (answer: KeptAnswer) => void, failed: () => void = () => undefined): AnswerSink {
    const headers: [string, number | string | readonly string[]][] = [];
    const sink = res as AnswerSink & { on?: (event: string, listener: () => void) => unknown };
    // A response stream that closes before its end (a client gone) still ends the write.
    sink.on?.('close', failed);
    return new Proxy(res, {
      get(target, property) {
        if (property === 'setHeader') {
          return (name: string, value: number | string | readonly string[]) => {
            headers.push([name, value]);
            return target.setHeader(name, value);
          };
        }
        if (property === 'end') {
          return (body?: string | Buffer) => {
            const result = target.end(body);
            done({ status: target.statusCode, headers, body: typeof body === 'string' ? Buffer.from(body) : (body ?? Buffer.alloc(0)) });
            return result;
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
      set(target, property, value) {
        return Reflect.set(target, property, value, target);
      },
    });
  }
}
