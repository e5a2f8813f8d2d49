/**
 * The embedded DynamoDB's memo of GetItem answers: a repeated read is answered from memory,
 * and never once a write has started, while it runs, or after it ended.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DynamoDbReadMemo, type AnswerSink } from '../../lambdas/local/dynamodb-read-memo.ts';

class Sink implements AnswerSink {
  statusCode = 0;
  headers: Record<string, unknown> = {};
  body = '';
  ended = false;
  setHeader(name: string, value: unknown): void {
    this.headers[name] = value;
  }
  end(body?: string | Buffer): void {
    this.body = body === undefined ? '' : body.toString();
    this.ended = true;
  }
}

/** A stand-in for dynalite: one item per key, answers when `release` is called or at once. */
class FakeTable {
  readonly items = new Map<string, string>();
  calls = 0;
  private held: (() => void)[] = [];
  hold = false;

  constructor(private readonly memo: DynamoDbReadMemo) {}

  send(operation: string, key: string, value?: string): Sink {
    const res = new Sink();
    const body = JSON.stringify({ TableName: 't', Key: { pk: { S: key } }, ...(value ? { Item: value } : {}) });
    const memoized = this.memo.handle(`DynamoDB_20120810.${operation}`, body, res);
    if (memoized === true) return res;
    this.calls++;
    const answer = () => {
      if (operation === 'PutItem') this.items.set(key, value ?? '');
      memoized.sink.statusCode = 200;
      memoized.sink.setHeader('x-amz-crc32', '1');
      memoized.sink.end(JSON.stringify(operation === 'GetItem' ? { Item: this.items.get(key) ?? null } : {}));
    };
    if (this.hold) this.held.push(answer);
    else answer();
    return res;
  }

  release(): void {
    const held = this.held;
    this.held = [];
    for (const answer of held) answer();
  }
}

describe('DynamoDbReadMemo', () => {
  test('a repeated GetItem is answered from memory, with the same status, headers and body', () => {
    const memo = new DynamoDbReadMemo();
    const table = new FakeTable(memo);
    table.send('PutItem', 'a', 'one');
    const first = table.send('GetItem', 'a');
    const second = table.send('GetItem', 'a');
    assert.equal(table.calls, 2, 'the put and the first get reach the table; the second get does not');
    assert.deepEqual([second.statusCode, second.headers, second.body], [first.statusCode, first.headers, first.body]);
    assert.equal(JSON.parse(second.body).Item, 'one');
    assert.deepEqual(memo.counts, { kept: 1, asked: 1 });
  });

  test('a write forgets every kept answer: the next read sees it', () => {
    const memo = new DynamoDbReadMemo();
    const table = new FakeTable(memo);
    table.send('PutItem', 'a', 'one');
    table.send('GetItem', 'a');
    table.send('GetItem', 'b');
    table.send('PutItem', 'b', 'two');
    assert.equal(JSON.parse(table.send('GetItem', 'a').body).Item, 'one');
    assert.equal(JSON.parse(table.send('GetItem', 'b').body).Item, 'two');
    assert.equal(memo.counts.kept, 0, 'both reads after the write went to the table');
  });

  test('no answer is kept or given while a write is in flight', () => {
    const memo = new DynamoDbReadMemo();
    const table = new FakeTable(memo);
    table.send('PutItem', 'a', 'one');
    table.send('GetItem', 'a');
    table.hold = true;
    const write = table.send('UpdateItem', 'a', 'two');
    table.hold = false;
    // The write has started but not ended: reads go to the table, and are not kept.
    const during = table.send('GetItem', 'a');
    assert.equal(memo.counts.kept, 0);
    assert.equal(JSON.parse(during.body).Item, 'one');
    table.release();
    assert.ok(write.ended);
    const calls = table.calls;
    table.send('GetItem', 'a');
    assert.equal(table.calls, calls + 1, 'the read during the write was not kept');
  });

  test('a read that a write overtook is not kept', () => {
    const memo = new DynamoDbReadMemo();
    const table = new FakeTable(memo);
    table.send('PutItem', 'a', 'one');
    table.hold = true;
    table.send('GetItem', 'a');
    table.hold = false;
    table.send('PutItem', 'a', 'two');
    table.release();
    assert.equal(JSON.parse(table.send('GetItem', 'a').body).Item, 'two');
  });

  test('other reads pass through without being kept, and unknown operations count as writes', () => {
    const memo = new DynamoDbReadMemo();
    const table = new FakeTable(memo);
    table.send('GetItem', 'a');
    table.send('Query', 'a');
    table.send('Query', 'a');
    assert.equal(table.calls, 3);
    table.send('GetItem', 'a');
    assert.equal(memo.counts.kept, 1, 'a Query does not forget');
    table.send('SomethingNew', 'a');
    table.send('GetItem', 'a');
    assert.equal(memo.counts.kept, 1, 'an unknown operation forgets');
  });

  test('error answers are not kept, and the limits hold', () => {
    const memo = new DynamoDbReadMemo({ maxEntries: 2 });
    const failing = new Sink();
    const body = '{"TableName":"missing"}';
    const first = memo.handle('DynamoDB_20120810.GetItem', body, failing);
    assert.notEqual(first, true);
    if (first !== true) {
      first.sink.statusCode = 400;
      first.sink.end('{"__type":"ResourceNotFoundException"}');
    }
    assert.notEqual(memo.handle('DynamoDB_20120810.GetItem', body, new Sink()), true, 'a 400 is asked again');
    const table = new FakeTable(memo);
    for (const key of ['a', 'b', 'c']) table.send('GetItem', key);
    const calls = table.calls;
    table.send('GetItem', 'a');
    assert.equal(table.calls, calls + 1, 'the oldest of three went with a limit of two');
    table.send('GetItem', 'c');
    assert.equal(table.calls, calls + 1);
  });
});
