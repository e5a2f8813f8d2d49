/**
 * Wraps a route handler as a Lambda handler for API Gateway HTTP API events.
 *
 * The Logger gets the invocation's context (request id, function name, cold start) the way
 * Powertools documents for a handler without middleware: `addContext` at the start of
 * each invocation. No middleware engine: its per-invoke timer and promise chain cost more
 * than the page a warm function serves from memory.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
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
  return async (event, context) => {
    logger.addContext(context);
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
  };
}

function count(metrics: Metrics, path: string, status: number, response: HttpResponse | undefined): void {
  metrics.add('Requests', 1, { Route: routeOf(path), StatusClass: statusClassOf(status) });
  if (response?.refusal) metrics.add('Refusals', 1, { Reason: response.refusal });
}
