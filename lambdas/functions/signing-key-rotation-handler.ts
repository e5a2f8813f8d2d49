/**
 * Lambda entry of the signing key's rotation, invoked by Secrets Manager on the rotation
 * schedule (lib/download-signing.ts) with `{ SecretId, ClientRequestToken, Step }`; and by
 * CloudFormation as the custom resource that deletes the signing user's keys when its
 * stack is deleted (IAM deletes no user that still has keys, and the keys are the
 * rotation's, not the template's).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { IamAccessKeys } from '../adapters/iam-access-keys.ts';
import { SecretsManagerSigningSecret } from '../adapters/secrets-manager-signing-secret.ts';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { answerCloudFormation } from '../adapters/cloudformation-response.ts';
import { retireSigningKeys, type RotationStep, SigningKeyRotation } from '../app/signing-key-rotation.ts';
import { signingKeyRotationEnvironment } from '../config/function-environments.ts';
import { lambdaMetrics } from './lambda-metrics.ts';

const { rotation } = signingKeyRotationEnvironment(process.env);
const logger = new Logger({ serviceName: 'wharf-signing-key-rotation' });
const iam = new IAMClient({});
const secrets = new SecretsManagerClient({});
const metrics = lambdaMetrics('signing-key-rotation');
const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: string;
}

export async function handler(event: RotationEvent | CloudFormationCustomResourceEvent): Promise<void> {
  try {
    await handle(event);
  } finally {
    // Only its cold starts: a failed rotation is the RotationFailed alarm's (Lambda Errors).
    metrics.flush();
  }
}

async function handle(event: RotationEvent | CloudFormationCustomResourceEvent): Promise<void> {
  if ('RequestType' in event) return stackEvent(event);
  const step = STEPS.find((s) => s === event.Step);
  if (!step) throw new Error(`Unknown rotation step "${event.Step}".`);
  const use = new SigningKeyRotation(
    new IamAccessKeys(iam, rotation.userName),
    new SecretsManagerSigningSecret(secrets, event.SecretId),
    rotation.graceSeconds,
    Date.now,
    (message, extra) => logger.info(message, { step, ...extra }),
  );
  await use.run(step, event.ClientRequestToken);
}

async function stackEvent(event: CloudFormationCustomResourceEvent): Promise<void> {
  const physicalResourceId = `${rotation.userName}-access-keys`;
  if (event.RequestType !== 'Delete') {
    return answerCloudFormation(event, { status: 'SUCCESS', reason: 'Nothing to do until the stack is deleted.', physicalResourceId });
  }
  try {
    const deleted = await retireSigningKeys(new IamAccessKeys(iam, rotation.userName), (message, extra) => logger.info(message, extra ?? {}));
    await answerCloudFormation(event, { status: 'SUCCESS', reason: `Deleted ${deleted} access key(s) of ${rotation.userName}.`, physicalResourceId });
  } catch (err) {
    if (err instanceof NoSuchEntityException) {
      return answerCloudFormation(event, { status: 'SUCCESS', reason: `${rotation.userName} is gone already.`, physicalResourceId });
    }
    logger.error('Deleting the signing user\'s access keys failed', err as Error);
    await answerCloudFormation(event, {
      status: 'FAILED',
      reason: `Could not delete the access keys of ${rotation.userName} (${String(err)}). Delete them in the IAM console, then delete the stack again.`,
      physicalResourceId,
    });
  }
}
