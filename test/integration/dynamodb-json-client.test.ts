/**
 * Wharf's DynamoDB client against a scripted DynamoDB on loopback: what it sends (target,
 * signature, DynamoDB JSON), what it makes of the answers, and which failures it retries.
 * The stores' contract tests run the same client against dynalite and DynamoDB Local.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { DynamoDbError, DynamoDbJsonClient, isConditionFailure } from '../../lambdas/adapters/dynamodb-json-client.ts';

interface Seen {
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

describe('DynamoDbJsonClient', () => {
  let server: Server;
  let endpoint: string;
  let seen: Seen[] = [];
  let answers: { status: number; body: unknown }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        const answer = answers.shift() ?? { status: 200, body: {} };
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `req-${seen.length}` });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
    answers = [];
  });

  const client = () =>
    new DynamoDbJsonClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'tok' } });

  test('a GetItem goes out signed, with its target and the key in DynamoDB JSON; the item comes back as plain values', async () => {
    answers.push({ status: 200, body: { Item: { pk: { S: 'PROJECT#demo' }, serial: { N: '7' }, scopes: { L: [{ S: 'read:*' }] } } } });
    const c = client();
    try {
      const out = await c.get({ TableName: 't', Key: { pk: 'PROJECT#demo', sk: '#SERIAL' }, ConsistentRead: true });
      assert.deepEqual(out.Item, { pk: 'PROJECT#demo', serial: 7, scopes: ['read:*'] });
    } finally {
      c.destroy();
    }
    assert.equal(seen.length, 1);
    const [{ headers, body }] = seen as [Seen];
    assert.equal(headers['x-amz-target'], 'DynamoDB_20120810.GetItem');
    assert.equal(headers['content-type'], 'application/x-amz-json-1.0');
    assert.equal(headers['x-amz-security-token'], 'tok');
    assert.match(String(headers['authorization']), /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/);
    assert.deepEqual(body, { TableName: 't', Key: { pk: { S: 'PROJECT#demo' }, sk: { S: '#SERIAL' } }, ConsistentRead: true });
  });

  test('a failed condition is thrown at once, by name, and never retried', async () => {
    answers.push({ status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' } });
    const c = client();
    try {
      await assert.rejects(c.put({ TableName: 't', Item: { pk: 'a', sk: 'b', gone: undefined }, ConditionExpression: 'attribute_not_exists(pk)' }), (err: unknown) => {
        assert.ok(err instanceof DynamoDbError);
        assert.equal(err.name, 'ConditionalCheckFailedException');
        assert.equal(err.message, 'The conditional request failed');
        assert.equal(err.statusCode, 400);
        assert.ok(isConditionFailure(err));
        return true;
      });
    } finally {
      c.destroy();
    }
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0]!.body['Item'], { pk: { S: 'a' }, sk: { S: 'b' } }, 'undefined attributes are left out');
  });

  test('a 500 and a throttle are retried, and the call succeeds on the attempt that works', async () => {
    answers.push(
      { status: 500, body: { __type: 'com.amazon.coral.service#InternalFailure' } },
      { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'slow down' } },
      { status: 200, body: { Items: [{ pk: { S: 'x' } }], LastEvaluatedKey: { pk: { S: 'x' }, sk: { S: 'y' } } } },
    );
    const c = client();
    try {
      const out = await c.query({ TableName: 't', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'x' } });
      assert.deepEqual(out.Items, [{ pk: 'x' }]);
      assert.deepEqual(out.LastEvaluatedKey, { pk: 'x', sk: 'y' });
    } finally {
      c.destroy();
    }
    assert.equal(seen.length, 3);
    assert.notEqual(seen[0]!.headers['authorization'], undefined);
  });

  test('after three failed attempts the last error is thrown; a validation error is not retried', async () => {
    for (let i = 0; i < 3; i++) answers.push({ status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'too much' } });
    const c = client();
    try {
      await assert.rejects(c.get({ TableName: 't', Key: { pk: 'a', sk: 'b' } }), { name: 'ProvisionedThroughputExceededException', message: 'too much' });
      assert.equal(seen.length, 3);
      seen = [];
      answers.push({ status: 400, body: { __type: 'com.amazon.coral.validate#ValidationException', message: 'bad key' } });
      await assert.rejects(c.get({ TableName: 't', Key: { pk: 'a', sk: 'b' } }), { name: 'ValidationException', message: 'bad key' });
      assert.equal(seen.length, 1);
    } finally {
      c.destroy();
    }
  });

  test('BatchGetItem: keys out in DynamoDB JSON, responses and unprocessed keys back as plain values', async () => {
    answers.push({
      status: 200,
      body: { Responses: { t: [{ pk: { S: 'a' }, sk: { S: '1' } }] }, UnprocessedKeys: { t: { Keys: [{ pk: { S: 'b' }, sk: { S: '2' } }], ConsistentRead: true } } },
    });
    const c = client();
    try {
      const out = await c.batchGet({ RequestItems: { t: { Keys: [{ pk: 'a', sk: '1' }, { pk: 'b', sk: '2' }], ConsistentRead: true } } });
      assert.deepEqual(out.Responses, { t: [{ pk: 'a', sk: '1' }] });
      assert.deepEqual(out.UnprocessedKeys['t']?.Keys, [{ pk: 'b', sk: '2' }]);
    } finally {
      c.destroy();
    }
    assert.deepEqual(seen[0]!.body['RequestItems'], { t: { Keys: [{ pk: { S: 'a' }, sk: { S: '1' } }, { pk: { S: 'b' }, sk: { S: '2' } }], ConsistentRead: true } });
  });
});
