/**
 * A session whose verifier died without writing a status must not stay `verifying` for
 * ever: past its verify deadline it reads as failed, saying to publish again, and its
 * staged bytes go. Before the deadline nothing changes. Clock injected; stores in memory.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UploadSessions } from '../../lambdas/app/upload-sessions.ts';
import type { Ingest } from '../../lambdas/app/ingest.ts';
import { type SessionStatus, type UploadSession, VERIFY_DEADLINE_SECONDS, verifyDeadline } from '../../lambdas/core/upload-session.ts';
import type { MetadataStore, UploadSessionStore, UploadStaging } from '../../lambdas/app/ports.ts';
import { SESSION_DEFAULTS } from '../../lambdas/config/upload-config.ts';

class MemorySessions implements UploadSessionStore {
  readonly items = new Map<string, UploadSession>();
  async createSession(session: UploadSession): Promise<void> {
    this.items.set(session.id, session);
  }
  async getSession(id: string): Promise<UploadSession | undefined> {
    return this.items.get(id);
  }
  async transitionSession(id: string, from: SessionStatus, to: SessionStatus, fields: Partial<UploadSession> = {}) {
    const current = this.items.get(id);
    if (!current || current.status !== from) return undefined;
    const next = { ...current, ...fields, status: to };
    this.items.set(id, next);
    return next;
  }
}

function setup(start: Date) {
  let now = start;
  const sessions = new MemorySessions();
  const deleted: string[] = [];
  const staging = {
    delete: async (key: string) => void deleted.push(key),
    abortMultipart: async () => undefined,
    completeMultipart: async () => undefined,
  } as unknown as UploadStaging;
  const ingested: string[] = [];
  const uploads = new UploadSessions({
    sessions,
    staging,
    metadata: {} as Pick<MetadataStore, 'getFile' | 'getTombstone' | 'getProject'>,
    ingest: { ingestContent: async (filename: string) => void ingested.push(filename) } as unknown as Ingest,
    config: SESSION_DEFAULTS,
    // The verifier is "invoked" and never reports: it died.
    startVerification: async () => undefined,
    now: () => now,
  });
  return { uploads, sessions, deleted, ingested, advance: (seconds: number) => (now = new Date(now.getTime() + seconds * 1000)) };
}

const T0 = new Date('2026-01-01T00:00:00Z');

function pendingSession(): UploadSession {
  return {
    id: 's1',
    status: 'pending',
    project: 'big-model',
    filename: 'big_model-2.0-py3-none-any.whl',
    filetype: 'bdist_wheel',
    size: 200 * 1024 * 1024,
    sha256: 'a'.repeat(64),
    mechanism: 's3-multipart',
    partSize: 16 * 1024 * 1024,
    partCount: 13,
    stagingKey: 'uploads/s1/big_model-2.0-py3-none-any.whl',
    uploadId: 'u1',
    tokenId: 't1',
    createdAt: T0.toISOString(),
    expiresAt: new Date(T0.getTime() + 6 * 3600 * 1000).toISOString(),
  };
}

describe('a session left verifying by a verifier that died', () => {
  test('completing stamps when verification began; the deadline counts from then', async () => {
    const { uploads, sessions, advance } = setup(T0);
    await sessions.createSession(pendingSession());
    advance(5 * 3600); // a slow upload, completed an hour before the session expires
    const completed = await uploads.complete('s1', []);
    assert.equal(completed.status, 'verifying');
    assert.equal(completed.verifyingSince, '2026-01-01T05:00:00.000Z');
    assert.equal(verifyDeadline(completed, VERIFY_DEADLINE_SECONDS).toISOString(), '2026-01-01T05:35:00.000Z');
  });

  test('reads as verifying up to the deadline, then as failed with a message saying to publish again', async () => {
    const { uploads, sessions, deleted, advance } = setup(T0);
    await sessions.createSession(pendingSession());
    await uploads.complete('s1', []);
    advance(VERIFY_DEADLINE_SECONDS - 1);
    assert.equal((await uploads.get('s1')).status, 'verifying');
    assert.deepEqual(deleted, []);

    advance(1);
    const failed = await uploads.get('s1');
    assert.equal(failed.status, 'failed');
    assert.match(failed.error!, /^Verifying big_model-2\.0-py3-none-any\.whl did not finish by 2026-01-01T00:35:00\.000Z: the verifier stopped without a result\./);
    assert.match(failed.error!, /Publish the file again \(wharf publish does\)/);
    assert.equal(sessions.items.get('s1')!.status, 'failed', 'the failure is stored, not just shown');
    assert.deepEqual(deleted, ['uploads/s1/big_model-2.0-py3-none-any.whl'], 'the staged bytes are removed');
    // Read again: the same answer, nothing removed twice.
    assert.equal((await uploads.get('s1')).error, failed.error);
    assert.equal(deleted.length, 1);
  });

  test('a verifier that turns up after the session failed ingests nothing', async () => {
    const { uploads, sessions, ingested, advance } = setup(T0);
    await sessions.createSession(pendingSession());
    await uploads.complete('s1', []);
    advance(VERIFY_DEADLINE_SECONDS);
    await uploads.get('s1');
    const late = await uploads.verify('s1');
    assert.equal(late.status, 'failed');
    assert.deepEqual(ingested, []);
  });

  test('a session stored before verifyingSince existed counts from its expiry', () => {
    const { verifyingSince: _none, ...old } = { ...pendingSession(), status: 'verifying' as const, verifyingSince: undefined };
    assert.equal(verifyDeadline(old, VERIFY_DEADLINE_SECONDS).toISOString(), '2026-01-01T06:35:00.000Z');
  });

  test('a session that is not verifying is untouched by the rule', async () => {
    const { uploads, sessions, advance } = setup(T0);
    await sessions.createSession({ ...pendingSession(), status: 'published', outcome: 'created' });
    advance(30 * 24 * 3600);
    assert.equal((await uploads.get('s1')).status, 'published');
  });
});
