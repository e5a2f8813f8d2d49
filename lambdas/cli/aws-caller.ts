/** Who the AWS credentials in use belong to: what records made with them name as their creator. */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

export async function awsCallerArn(region: string | undefined): Promise<string> {
  const sts = new STSClient(region ? { region } : {});
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? 'iam:unknown';
  } finally {
    sts.destroy();
  }
}
