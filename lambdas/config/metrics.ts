/**
 * The metrics contract between the functions and the CDK: what every function emits as
 * CloudWatch embedded metric format (lambdas/adapters/powertools-metrics.ts), and what the
 * alarms and the dashboard of lib/monitoring.ts read. One namespace; every metric carries
 * the `service` dimension (the index's name, so two stacks in one account stay apart) and
 * at most the extra dimensions listed here.
 *
 * Cost: each distinct (metric, dimension values) is one CloudWatch custom metric, $0.30 a
 * month while it is emitted. The dimensions are kept to small closed sets: at most
 * 9 routes x 4 status classes of Requests, 6 refusal reasons, 7 auth failure reasons,
 * 4 verifier outcomes, 8 plain counts and one cold-start count per function (README
 * "Operate" has the sum).
 */
import { ENV, type Environment } from './environment.ts';

export const METRICS_NAMESPACE = 'Wharf';

/** The `service` dimension where the stack sets none (`wharf serve`, tests). */
export const DEFAULT_METRICS_SERVICE = 'wharf';

/** The `service` dimension: the index's name, which the stack sets (`WHARF_METRICS_SERVICE`). */
export function metricsService(env: Environment): string {
  const value = env[ENV.metricsService]?.trim();
  return value ? value : DEFAULT_METRICS_SERVICE;
}

/** Route families of the HTTP API (dimension `Route` of Requests). */
export const ROUTES = ['simple', 'files', 'json-api', 'web', 'health', 'upload', 'projects', 'admin', 'other'] as const;
export type RouteName = (typeof ROUTES)[number];

/** Status classes (dimension `StatusClass` of Requests). */
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/**
 * Why a request was refused (dimension `Reason` of Refusals): the domain error behind a 4xx
 * (lambdas/http/error-map.ts). A 404 is an answer, not a refusal; a 401 is an AuthFailure.
 */
export const REFUSAL_REASONS = ['invalid-input', 'attestation', 'file-exists', 'too-large', 'forbidden', 'project-status'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/**
 * Why presented credentials were rejected (dimension `Reason` of AuthFailures; the reasons of
 * lambdas/core/access.ts and lambdas/app/access-guard.ts). No credentials at all is not a
 * failure: it is the first leg of HTTP Basic, which pip and twine answer with the token.
 */
export const AUTH_FAILURE_REASONS = ['malformed-basic', 'wrong-username', 'unsupported-scheme', 'malformed-token', 'unknown-token', 'revoked', 'expired'] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

/** How a verification of an upload session ended (dimension `Outcome` of VerifierOutcomes). */
export const VERIFIER_OUTCOMES = ['published', 'unchanged', 'refused', 'failed'] as const;
export type VerifierOutcome = (typeof VERIFIER_OUTCOMES)[number];

/** Every metric: its unit and the dimensions it carries besides `service`. */
export const METRICS = {
  /** Every HTTP request a function answered, by route family and status class. */
  Requests: { unit: 'Count', dimensions: { Route: ROUTES, StatusClass: STATUS_CLASSES } },
  /** Index pages (simple, JSON API, web) answered with 200 or 304. */
  PagesServed: { unit: 'Count', dimensions: {} },
  /** Distribution downloads answered with a redirect (to the bucket, or to the upstream while a copy runs). */
  DownloadsRedirected: { unit: 'Count', dimensions: {} },
  /** Files newly published (a repeated upload of the same bytes is not counted). */
  Uploads: { unit: 'Count', dimensions: {} },
  /** Bytes of those files. */
  BytesPublished: { unit: 'Bytes', dimensions: {} },
  Refusals: { unit: 'Count', dimensions: { Reason: REFUSAL_REASONS } },
  AuthFailures: { unit: 'Count', dimensions: { Reason: AUTH_FAILURE_REASONS } },
  /** An upstream page or file served from what Wharf kept (memory, bucket, or a remembered "no such project"). */
  UpstreamHits: { unit: 'Count', dimensions: {} },
  /** An upstream page or file Wharf had to fetch from the upstream. */
  UpstreamMisses: { unit: 'Count', dimensions: {} },
  /** The upstream could not answer (error, bad answer, timeout), whether or not a stale page was served. */
  UpstreamFailures: { unit: 'Count', dimensions: {} },
  VerifierOutcomes: { unit: 'Count', dimensions: { Outcome: VERIFIER_OUTCOMES } },
} as const;

export type MetricName = keyof typeof METRICS;
export type MetricUnit = (typeof METRICS)[MetricName]['unit'];

/** The dimensions a metric takes, each one of its closed set of values. */
export type DimensionsOf<N extends MetricName> = {
  readonly [D in keyof (typeof METRICS)[N]['dimensions']]: (typeof METRICS)[N]['dimensions'][D] extends readonly (infer V)[] ? V : never;
};

/** Powertools' cold-start metric (dimensions `service` and `function_name`). */
export const COLD_START_METRIC = 'ColdStart';
