/** Who the AWS credentials in use belong to: what records made with them name as their creator. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDbJsonClient } from '../adapters/dynamodb-json-client.ts';

export async function awsCallerArn(region: string | undefined): Promise<string> {
  const sts = new STSClient(region ? { region } : {});
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? 'iam:unknown';
  } finally {
    sts.destroy();
  }
}

/**
 * Wharf's DynamoDB client for a deployed table, with the region and credentials the AWS SDK
 * finds for this shell (environment, profiles, SSO): the SDK client only resolves them, the
 * calls go through the same client the functions use.
 */
export async function awsDynamoDb(region: string | undefined): Promise<DynamoDbJsonClient> {
  const sdk = new DynamoDBClient(region ? { region } : {});
  try {
    return new DynamoDbJsonClient({ region: await sdk.config.region(), credentials: sdk.config.credentials });
  } finally {
    sdk.destroy();
  }
}
