/** Wraps a route handler as a middy Lambda handler for API Gateway HTTP API events. */
import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { toApiGatewayResult, toHttpRequest } from './api-gateway.ts';
import type { RouteHandler } from './types.ts';

export type WharfLambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export function createLambdaHandler(routes: RouteHandler, logger: Logger): WharfLambdaHandler {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger))
    .handler(async (event) => {
      const request = toHttpRequest(event);
      return toApiGatewayResult(request, await routes(request));
    });
}
