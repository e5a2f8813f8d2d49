/** Who may bring a new project name into the index, reserved names included (UploadRights, with fakes). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AccessGuard } from '../../lambdas/app/access-guard.ts';
import type { NameReservation } from '../../lambdas/app/ports.ts';
import { UploadRights } from '../../lambdas/app/upload-rights.ts';
import type { Principal } from '../../lambdas/core/access.ts';
import { ForbiddenError, NameReservedError } from '../../lambdas/core/errors.ts';
import { Permissions } from '../../lambdas/core/scopes.ts';

const principal = (tokenId: string, scopes: string[]): Principal => ({ tokenId, scopes, permissions: new Permissions(scopes) });
const guard = new AccessGuard({ getToken: async () => undefined }, { policy: { publicRead: false }, cacheSeconds: 0, logger: { info: () => {}, warn: () => {} } } as never);

function rights(existing: string[], reservations: Record<string, NameReservation>): UploadRights {
  return new UploadRights(
    guard,
    { getProject: async (p) => (existing.includes(p) ? { name: p, displayName: p, createdAt: '2026-01-01T00:00:00Z' } : undefined) },
    { reservationOf: async (p) => reservations[p] ?? { publishers: [], tokens: [] } },
  );
}

describe('UploadRights.requireCreateIfNew', () => {
  const r = rights(['old'], { held: { publishers: ['p1'], tokens: ['minted'] } });

  test('an existing project needs nothing more (its upload scope was checked before)', async () => {
    await r.requireCreateIfNew(principal('t', ['upload:old']), 'old');
  });

  test('a free new name: upload:* or admin only', async () => {
    await r.requireCreateIfNew(principal('t', ['upload:*']), 'fresh');
    await assert.rejects(r.requireCreateIfNew(principal('t', ['upload:fresh']), 'fresh'), ForbiddenError);
  });

  test('a reserved name: only a token minted from its pending publisher, not upload:*, not admin', async () => {
    await r.requireCreateIfNew(principal('minted', ['upload:held']), 'held');
    for (const scopes of [['upload:*'], ['admin']]) {
      await assert.rejects(
        r.requireCreateIfNew(principal('other', scopes), 'held'),
        (err: unknown) => err instanceof NameReservedError && /reserved for a pending trusted publisher \(p1\)/.test((err as Error).message),
      );
    }
  });

  test('a released reservation (no publisher holds it) is a free name again, whatever tokens it lists', async () => {
    const released = rights([], { held: { publishers: [], tokens: ['minted'] } });
    await assert.rejects(released.requireCreateIfNew(principal('minted', ['upload:held']), 'held'), /only a token with the scope upload:\*/);
    await released.requireCreateIfNew(principal('admin', ['admin']), 'held');
  });
});
