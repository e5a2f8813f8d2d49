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
import { toApiGatewayResult, toHttpRequest } from './api-gateway.ts';
import type { RouteHandler } from './types.ts';

export type WharfLambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export function createLambdaHandler(routes: RouteHandler, logger: Logger): WharfLambdaHandler {
  return async (event, context) => {
    logger.addContext(context);
    const request = toHttpRequest(event);
    return toApiGatewayResult(request, await routes(request));
  };
}
