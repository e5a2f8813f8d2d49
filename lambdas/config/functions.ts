/**
 * The one route table. The CDK construct creates these API Gateway routes and functions;
 * the local server dispatches by the same table, so no route exists only locally.
 */

/** Where the retention routes live (lambdas/http/retention-routes.ts). */
export const RETENTION_PREFIX = '/api/retention';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  readonly method: HttpMethod;
  /** API Gateway HTTP API route path, e.g. `/simple/{proxy+}`. */
  readonly path: string;
}

export interface FunctionSpec {
  /** Entry file, relative to the repository root. */
  readonly entry: string;
  /**
   * What the function may do with the package data: metadata table and files bucket.
   * `lookup`: GetItem on the metadata table only (whether a project exists), no bucket.
   */
  readonly access: 'read' | 'write' | 'lookup' | 'none';
  /** What the function may do with the tokens table: look tokens up, or manage them. */
  readonly tokens: 'verify' | 'publishers' | 'manage';
  readonly routes: readonly RouteSpec[];
}

/** Every method on every path: `on(['GET', 'HEAD'], '/', '/{proxy+}')`. */
function on(methods: readonly HttpMethod[], ...paths: string[]): RouteSpec[] {
  return paths.flatMap((path) => methods.map((method) => ({ method, path })));
}

export const FUNCTIONS = {
  read: {
    entry: 'lambdas/functions/read-handler.ts',
    access: 'read',
    tokens: 'verify',
    routes: [
      ...on(['GET', 'HEAD'], '/', '/{proxy+}'),
      // The web UI's token sign-in and sign-out forms: they only set or clear a cookie.
      ...on(['POST'], '/account/{proxy+}'),
    ],
  },
  write: {
    entry: 'lambdas/functions/write-handler.ts',
    access: 'write',
    // Tokens, and the trusted publishers PEP 740 attestations are checked against.
    tokens: 'publishers',
    routes: [
      // The legacy upload at /legacy/. Every POST outside /api/ lands here, so the route
      // does not hang on how API Gateway treats the trailing slash; the handler 404s the rest.
      ...on(['POST'], '/{proxy+}'),
      // Yank, un-yank, delete and the project status (PEP 792): package data, so here and not
      // in the admin function. GET too (reading the status): more specific than GET /api/{proxy+}.
      ...on(['GET', 'PUT', 'POST', 'DELETE'], '/api/projects/{proxy+}'),
      // Retention rules, plans and applies: they read and delete package data. More specific
      // than the admin function's /api/{proxy+} (which may not touch packages).
      ...on(['GET', 'PUT', 'POST'], `${RETENTION_PREFIX}/{proxy+}`),
      // Upload sessions: POSTs reach this function through /{proxy+}; the status poll and
      // cancel need their own routes, or the read function's GET /{proxy+} would take them.
      ...on(['GET', 'DELETE'], '/upload/{proxy+}'),
    ],
  },
  admin: {
    entry: 'lambdas/functions/admin-handler.ts',
    // Pending trusted publishers: whether a project name is still free.
    access: 'lookup',
    tokens: 'manage',
    routes: [
      ...on(['GET', 'POST', 'DELETE'], '/api/{proxy+}'),
      // Trusted publishing (the exchange pypa/gh-action-pypi-publish makes): it mints tokens,
      // which only this function may write. More specific than GET|POST /{proxy+}.
      ...on(['GET', 'POST'], '/_/oidc/{proxy+}'),
      // Publishing from AWS with an IAM role (a signed GetCallerIdentity for a token): the same.
      ...on(['GET', 'POST'], '/_/aws/{proxy+}'),
    ],
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof FUNCTIONS;

/**
 * The verifier: no route. The write function invokes it asynchronously (InvocationType
 * Event) to verify and ingest an upload session's file when that takes longer than API
 * Gateway's 30 s; locally the same handler runs in-process, also without waiting.
 */
export const VERIFIER_FUNCTION = {
  entry: 'lambdas/functions/verifier-handler.ts',
  access: 'write',
} as const;

/**
 * The orphan sweeper: no route. A schedule starts it (lib/orphan-sweeper.ts); it lists
 * `files/` and removes what no index entry names (lambdas/app/orphan-sweeper.ts). It reads
 * the table; of the bucket it may list, read and remove object versions under `files/`.
 */
export const SWEEPER_FUNCTION = {
  entry: 'lambdas/functions/sweeper-handler.ts',
} as const;

/**
 * The retention function: no route. A daily schedule starts it (lib/retention.ts); it applies
 * the stored retention rules (lambdas/app/retention.ts), going on where its last run stopped.
 * It reads and deletes package data, through the same tombstoned delete as `wharf delete`.
 */
export const RETENTION_FUNCTION = {
  entry: 'lambdas/functions/retention-handler.ts',
} as const;

/**
 * The single-file publish client (lib/client-bundles.ts builds it, checked in at `source`)
 * that the read function serves at /client/wharf.mjs: copied beside the read function's
 * index.mjs as `inBundle` and read from disk on the first request for it, so it weighs
 * nothing in the function's cold start.
 */
export const PUBLISH_CLIENT_FILE = {
  source: 'client/dist/wharf.mjs',
  inBundle: 'wharf.mjs',
} as const;
