/**
 * Kept pages against the local server: an upload, a yank and a delete show on the very
 * next request, a 304 is answered from the serial alone, and a kept page never crosses an
 * access boundary (a token that may not read a project never gets its page, from any cache).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import { createDynamoDbClient } from '../../lambdas/local/embedded-stores.ts';
import { type LocalWharf, startLocalWharf } from '../../lambdas/local/local-wharf.ts';
import { twineWheelForm } from '../support/twine-form.ts';

const JSON_V1 = 'application/vnd.pypi.simple.v1+json';

describe('kept pages are never stale and never cross an access boundary', () => {
  let wharf: LocalWharf;
  let readAlpha: string;
  let readBeta: string;

  const upload = async (name: string, version: string) => {
    const form = twineWheelForm(name, version);
    const answer = await fetch(`${wharf.url}/legacy/`, { method: 'POST', body: form, headers: { authorization: `Bearer ${wharf.admin.token}` } });
    assert.equal(answer.status, 200, await answer.text());
  };
  const page = async (project: string, token = wharf.admin.token, headers: Record<string, string> = {}) => {
    const answer = await fetch(`${wharf.url}/simple/${project}/`, { headers: { accept: JSON_V1, authorization: `Bearer ${token}`, ...headers } });
    const body = answer.status === 200 ? ((await answer.json()) as { files: { filename: string; yanked: unknown }[] }) : undefined;
    return { status: answer.status, etag: answer.headers.get('etag'), files: body?.files.map((f) => `${f.filename}${f.yanked ? ' (yanked)' : ''}`) };
  };
  const admin = (method: string, path: string) => fetch(`${wharf.url}${path}`, { method, headers: { authorization: `Bearer ${wharf.admin.token}` } });

  before(async () => {
    wharf = await startLocalWharf({ port: 0, publicRead: false, authCacheSeconds: 0, logLevel: 'SILENT' });
    const dynamodb = createDynamoDbClient(wharf.stores);
    const tokens = new TokenAdmin(new DynamoDbTokenStore(dynamodb, wharf.stores.tokensTableName));
    readAlpha = (await tokens.create({ scopes: ['read:alpha'], createdBy: 'test' })).token;
    readBeta = (await tokens.create({ scopes: ['read:beta'], createdBy: 'test' })).token;
    dynamodb.destroy();
    await upload('alpha', '1.0');
    await upload('beta', '1.0');
  });
  after(() => wharf?.close());

  test('an upload shows on the very next request, and so do a yank and a delete', async () => {
    assert.deepEqual((await page('alpha')).files, ['alpha-1.0-py3-none-any.whl']);
    assert.deepEqual((await page('alpha')).files, ['alpha-1.0-py3-none-any.whl'], 'kept');
    await upload('alpha', '1.1');
    assert.deepEqual((await page('alpha')).files, ['alpha-1.0-py3-none-any.whl', 'alpha-1.1-py3-none-any.whl']);
    assert.equal((await admin('POST', '/api/projects/alpha/files/alpha-1.0-py3-none-any.whl/yank')).status, 200);
    assert.deepEqual((await page('alpha')).files, ['alpha-1.0-py3-none-any.whl (yanked)', 'alpha-1.1-py3-none-any.whl']);
    assert.equal((await admin('DELETE', '/api/projects/alpha/files/alpha-1.1-py3-none-any.whl')).status, 200);
    assert.deepEqual((await page('alpha')).files, ['alpha-1.0-py3-none-any.whl (yanked)']);
  });

  test('the ETag follows the page: a 304 while it stands, a 200 with a new ETag once it changes', async () => {
    const first = await page('beta');
    assert.ok(first.etag);
    const unchanged = await fetch(`${wharf.url}/simple/beta/`, { headers: { accept: JSON_V1, authorization: `Bearer ${wharf.admin.token}`, 'if-none-match': first.etag! } });
    assert.equal(unchanged.status, 304);
    await upload('beta', '1.1');
    const changed = await fetch(`${wharf.url}/simple/beta/`, { headers: { accept: JSON_V1, authorization: `Bearer ${wharf.admin.token}`, 'if-none-match': first.etag! } });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), first.etag);
  });

  test('a token that may not read a project never gets its kept page, nor its place in the listing', async () => {
    // Warm every cache with a caller who may read both.
    await page('alpha');
    await page('beta');
    assert.equal((await page('alpha', readAlpha)).status, 200);
    const refused = await page('alpha', readBeta);
    assert.equal(refused.status, 403);
    assert.equal(refused.files, undefined);
    const notModified = await fetch(`${wharf.url}/simple/alpha/`, { headers: { accept: JSON_V1, authorization: `Bearer ${readBeta}`, 'if-none-match': '*' } });
    assert.equal(notModified.status, 403, 'not even a 304 tells it the page exists');
    const listing = async (token: string) => {
      const answer = await fetch(`${wharf.url}/simple/`, { headers: { accept: JSON_V1, authorization: `Bearer ${token}` } });
      return ((await answer.json()) as { projects: { name: string }[] }).projects.map((p) => p.name);
    };
    assert.deepEqual(await listing(wharf.admin.token), ['alpha', 'beta']);
    assert.deepEqual(await listing(readBeta), ['beta']);
    assert.deepEqual(await listing(readAlpha), ['alpha']);
    const anonymous = await fetch(`${wharf.url}/simple/alpha/`, { headers: { accept: JSON_V1 } });
    assert.equal(anonymous.status, 401);
  });
});
