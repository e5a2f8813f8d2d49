/**
 * Retention (lambdas/app/retention.ts) under `/api/retention/`, for admins only:
 *
 *   GET  /api/retention/rules   the stored rules
 *   PUT  /api/retention/rules   {"rules": [{"pattern": "acme-*", "keepLast": 10, "maxAgeDays": 30}, ...]}
 *   POST /api/retention/plan    {"project"?: "...", "from"?: "<next>", "maxReleases"?: N}: what would go
 *   POST /api/retention/apply   the same body: delete it
 *
 * A plan or an apply does what fits in about 20 seconds (API Gateway gives 30) or in
 * maxReleases, and answers `next` when there is more: call again with `"from": next`.
 */
import type { AccessGuard } from '../app/access-guard.ts';
import type { Retention, RetentionMode, RetentionReport, StoredRules } from '../app/retention.ts';
import { InvalidInputError, NotFoundError } from '../core/errors.ts';
import type { ProjectPlan } from '../core/retention.ts';
import { readJson } from './admin-routes.ts';
import { errorResponse, type ErrorLogger } from './error-map.ts';
import { jsonResponse } from './responses.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';

export { RETENTION_PREFIX } from '../config/functions.ts';
import { RETENTION_PREFIX } from '../config/functions.ts';

export interface RetentionRoutesDeps {
  readonly guard: AccessGuard;
  readonly retention: Retention;
  readonly logger: ErrorLogger & { info(message: string, extra: Record<string, unknown>): void };
  /** How long one plan or apply call may work, in ms. @default 20000 */
  readonly budgetMs?: number;
}

const NO_STORE = { 'cache-control': 'no-store' };
/** Releases kept, listed per project in an answer; the rest are counted. */
const KEEP_SHOWN = 50;
const USAGE = 'Use GET or PUT /api/retention/rules, POST /api/retention/plan or POST /api/retention/apply.';
const RUN_SHAPE = '{"project": "...", "from": "<next of an earlier answer>", "maxReleases": N} (every field optional)';

export const rulesView = (stored: StoredRules) => ({
  rules: stored.rules,
  ...(stored.updatedAt !== undefined ? { updatedAt: stored.updatedAt } : {}),
  ...(stored.updatedBy !== undefined ? { updatedBy: stored.updatedBy } : {}),
});

const planView = (plan: ProjectPlan) => ({
  project: plan.project,
  rule: plan.rule,
  ruleText: plan.ruleText,
  remove: plan.remove,
  keep: plan.keep.slice(0, KEEP_SHOWN),
  kept: plan.keep.length,
});

export const reportView = (report: RetentionReport) => ({ ...report, projects: report.projects.map(planView) });

function runBody(request: HttpRequest): { project?: string; from?: string; maxReleases?: number } {
  if (!request.body || request.body.byteLength === 0) return {};
  const { project, from, maxReleases, ...rest } = readJson(request);
  if (Object.keys(rest).length > 0) throw new InvalidInputError(`Unknown field(s) ${Object.keys(rest).join(', ')}: send ${RUN_SHAPE}.`);
  if (project !== undefined && typeof project !== 'string') throw new InvalidInputError('"project" must be a project name.');
  if (from !== undefined && typeof from !== 'string') throw new InvalidInputError('"from" must be the "next" of an earlier answer, as given.');
  if (maxReleases !== undefined && !(typeof maxReleases === 'number' && Number.isInteger(maxReleases) && maxReleases > 0 && maxReleases <= 10_000)) {
    throw new InvalidInputError('"maxReleases" must be a whole number from 1 to 10000.');
  }
  if (project !== undefined && from !== undefined) throw new InvalidInputError('Give "project" or "from", not both: "from" goes on with a walk over every project.');
  return { ...(project !== undefined ? { project } : {}), ...(from !== undefined ? { from } : {}), ...(maxReleases !== undefined ? { maxReleases } : {}) };
}

export function createRetentionRoutes(deps: RetentionRoutesDeps): RouteHandler {
  const budget = deps.budgetMs ?? 20_000;

  async function route(request: HttpRequest): Promise<HttpResponse> {
    const action = request.path.slice(RETENTION_PREFIX.length).replace(/^\/|\/$/g, '');
    const principal = await deps.guard.check(request.headers['authorization'], { kind: 'admin' });
    const by = `retention:token:${principal!.tokenId}`;
    if (action === 'rules') {
      if (request.method === 'GET') return jsonResponse(200, rulesView(await deps.retention.rules()), NO_STORE);
      if (request.method === 'PUT') {
        const { rules, ...rest } = readJson(request);
        if (Object.keys(rest).length > 0) throw new InvalidInputError(`Unknown field(s) ${Object.keys(rest).join(', ')}: send {"rules": [...]}.`);
        const stored = await deps.retention.setRules(rules, `token:${principal!.tokenId}`);
        deps.logger.info('retention-rules', { retentionRules: { tokenId: principal!.tokenId, rules: stored.rules } });
        return jsonResponse(200, rulesView(stored), NO_STORE);
      }
      throw new NotFoundError(`No such endpoint: ${request.method} ${request.path}. ${USAGE}`);
    }
    if ((action === 'plan' || action === 'apply') && request.method === 'POST') {
      const mode: RetentionMode = action;
      const report = await deps.retention.run({ mode, ...runBody(request), by, deadline: Date.now() + budget });
      deps.logger.info('retention', { retention: { tokenId: principal!.tokenId, mode, walked: report.walked, matched: report.matched, ...report.totals, next: report.next ?? null } });
      return jsonResponse(200, reportView(report), NO_STORE);
    }
    throw new NotFoundError(`No such endpoint: ${request.method} ${request.path}. ${USAGE}`);
  }

  return async (request) => {
    try {
      return await route(request);
    } catch (err) {
      return errorResponse(err, deps.logger, 'json');
    }
  };
}
