/** Wraps a route handler as a middy Lambda handler for API Gateway HTTP API events. */
import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { NO_METRICS, type Metrics } from '../app/metrics-ports.ts';
import { toApiGatewayResult, toHttpRequest } from './api-gateway.ts';
import { routeOf, statusClassOf } from './request-metrics.ts';
import type { HttpResponse, RouteHandler } from './types.ts';

export type WharfLambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Every request is counted here, once, with what the use cases added while serving it, and
 * the invocation's metrics are written before the function returns (so a frozen instance
 * holds none back).
 */
export function createLambdaHandler(routes: RouteHandler, logger: Logger, metrics: Metrics = NO_METRICS): WharfLambdaHandler {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger))
    .handler(async (event) => {
      const request = toHttpRequest(event);
      try {
        const response = await routes(request);
        const result = toApiGatewayResult(request, response);
        count(metrics, request.path, result.statusCode ?? 200, response);
        return result;
      } catch (err) {
        // Lambda answers an unhandled error with a 500 of its own: count it as one.
        count(metrics, request.path, 500, undefined);
        throw err;
      } finally {
        metrics.flush();
      }
    });
}

function count(metrics: Metrics, path: string, status: number, response: HttpResponse | undefined): void {
  metrics.add('Requests', 1, { Route: routeOf(path), StatusClass: statusClassOf(status) });
  if (response?.refusal) metrics.add('Refusals', 1, { Reason: response.refusal });
}
