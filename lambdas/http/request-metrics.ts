/**
 * What the Lambda wrapper counts of every request: its route family and status class
 * (Requests), and, from the response, the refusal behind a 4xx. Route families, not paths:
 * each distinct dimension value is a CloudWatch custom metric (lambdas/config/metrics.ts).
 */
import type { RouteName, StatusClass } from '../config/metrics.ts';

/** The route family of a path (without the stage prefix). */
export function routeOf(path: string): RouteName {
  const first = /^\/([^/]*)/.exec(path)?.[1] ?? '';
  switch (first) {
    case 'simple':
      return 'simple';
    case 'files':
    case 'upstream':
    case 'integrity':
      return 'files';
    case 'pypi':
      return 'json-api';
    case '':
    case 'project':
    case 'search':
    case 'account':
      return 'web';
    case 'health':
      return 'health';
    case 'legacy':
    case 'upload':
      return 'upload';
    case 'api':
      return /^\/api\/projects(\/|$)/.test(path) ? 'projects' : 'admin';
    case '_':
      return /^\/_\/oidc(\/|$)/.test(path) ? 'admin' : 'other';
    default:
      return 'other';
  }
}

export function statusClassOf(status: number): StatusClass {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}
