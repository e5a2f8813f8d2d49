/**
 * The DynamoDB client of a Lambda function: Wharf's own (adapters/dynamodb-json-client.ts),
 * in the function's region, with its role's credentials, at the endpoint the AWS SDKs'
 * override variables name if any (the deployed-bundles test points it at the local stores).
 */
import { DynamoDbJsonClient } from '../adapters/dynamodb-json-client.ts';
import { awsRegion, dynamoDbEndpoint, type Environment, roleCredentials } from '../config/environment.ts';

export function lambdaDynamoDb(env: Environment): DynamoDbJsonClient {
  return new DynamoDbJsonClient({ region: awsRegion(env), credentials: roleCredentials(env), ...dynamoDbEndpoint(env) });
}
