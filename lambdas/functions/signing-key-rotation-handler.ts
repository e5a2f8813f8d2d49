/**
 * Lambda entry of the signing key's rotation, invoked by Secrets Manager on the rotation
 * schedule (lib/download-signing.ts) with `{ SecretId, ClientRequestToken, Step }`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { IamAccessKeys } from '../adapters/iam-access-keys.ts';
import { SecretsManagerSigningSecret } from '../adapters/secrets-manager-signing-secret.ts';
import { type RotationStep, SigningKeyRotation } from '../app/signing-key-rotation.ts';
import { FUNCTION_ENVIRONMENTS } from '../config/function-environments.ts';

const { rotation } = FUNCTION_ENVIRONMENTS.signingKeyRotation(process.env);
const logger = new Logger({ serviceName: 'wharf-signing-key-rotation' });
const iam = new IAMClient({});
const secrets = new SecretsManagerClient({});
const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: string;
}

export async function handler(event: RotationEvent): Promise<void> {
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
