/**
 * What the publish clients (lib/client-bundles.ts: the GitHub Action and the single-file
 * `wharf.mjs`) have in place of the local-server lookup of `wharf publish`: a local server
 * is found by its data directory, which exists only beside a Wharf checkout. Without --url
 * the clients say what to pass instead. Same names and types as the modules it replaces
 * (import-target.ts, ../local/admin-bootstrap.ts), so the build fails if they drift.
 */
import type { processAlive as realProcessAlive, readServerState as realReadServerState } from './import-target.ts';
import type { readKeptAdminToken as realReadKeptAdminToken } from '../local/admin-bootstrap.ts';

export class NoLocalServerError extends Error {}

const NO_LOCAL_SERVER =
  'this client publishes to an index by its URL: pass --url https://YOUR-INDEX (the default, a local server found by its data directory, needs a Wharf checkout).';

export const readServerState: typeof realReadServerState = async () => {
  throw new NoLocalServerError(NO_LOCAL_SERVER);
};

export const processAlive: typeof realProcessAlive = () => false;

export const readKeptAdminToken: typeof realReadKeptAdminToken = async () => {
  throw new NoLocalServerError(NO_LOCAL_SERVER);
};
