/**
 * Publishing from AWS in the admin function: a request to `/_/aws/` or `/api/publishers/aws`
 * loads the feature (aws-publishing-wiring.ts, with its rules, routes and STS adapter) on
 * first use, so the admin function's cold start does not carry it (lib/bundling.ts splits it
 * off). Every other request passes by.
 */
import type { AwsPublisherStore } from '../app/aws-identity-ports.ts';
import type { HttpRequest, HttpResponse } from '../http/types.ts';
import type { SharedDeps } from './aws-publishing-wiring.ts';
import { once } from './deferred.ts';

export interface AwsPublishingDeps {
  /** The AWS publishers (the tokens table), made on first use. */
  readonly publishers: () => Promise<AwsPublisherStore>;
  /**
   * Regions whose regional STS endpoint is accepted besides the global one.
   * @default none: the global endpoint only
   */
  readonly stsRegions?: readonly string[];
  /** Tests only: every STS request goes to this origin (a fake STS on loopback). */
  readonly stsConnectTo?: string;
}

/** A router for the AWS paths: undefined for a request it does not take. */
export function awsPublishingRoutes(deps: AwsPublishingDeps, shared: SharedDeps): (request: HttpRequest) => Promise<HttpResponse> | undefined {
  const routes = once(async () => {
    const [{ wireAwsPublishing }, publishers] = await Promise.all([import('./aws-publishing-wiring.ts'), deps.publishers()]);
    return wireAwsPublishing({ ...deps, publishers }, shared);
  });
  return (request) => {
    const path = request.path;
    if (!(path.startsWith('/_/aws/') || path === '/api/publishers/aws' || path.startsWith('/api/publishers/aws/'))) return undefined;
    return routes().then((route) => route(request)!);
  };
}
