/**
 * The key that signs download URLs: an IAM user that may only read distribution files, its
 * access key in a Secrets Manager secret, and a rotation function Secrets Manager runs on a
 * schedule. URLs signed with a role's temporary credentials die with them (in hours); URLs
 * signed with a user's key live as long as their own expiry (two signing windows, at most
 * 7 days), so a file's URL can stay the same for a whole window and pip's cache hits.
 *
 * Two keys overlap: a replaced key is deleted only once its successor has been current for
 * longer than a URL lives plus the read function's refresh of the secret
 * (lambdas/app/signing-key-rotation.ts), so no live URL ever loses its key.
 */
import { CustomResource, Duration, type RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { CfnRotationSchedule, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { resolve } from 'node:path';
import { ENV } from '../lambdas/config/environment.ts';
import { SIGNING_KEY_DEFAULTS } from '../lambdas/config/wharf-config.ts';
import { FILES_PREFIX } from '../lambdas/core/storage-keys.ts';
import { UPSTREAM_FILES_PREFIX } from '../lambdas/core/upstream.ts';
import { nagReference, WharfFunction } from './wharf-function.ts';

export const SIGNING_ROTATION_ENTRY = 'lambdas/functions/signing-key-rotation-handler.ts';

/** What the rotation function may do to the signing user, and nothing else in IAM. */
export const ROTATION_IAM_ACTIONS = ['iam:ListAccessKeys', 'iam:CreateAccessKey', 'iam:DeleteAccessKey'] as const;
/** What the rotation function may do with the signing secret. */
export const ROTATION_SECRET_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
] as const;

export interface DownloadSigningProps {
  readonly projectRoot: string;
  readonly bucket: IBucket;
  /** The read function: it reads the secret (GetSecretValue only) and signs with the key. */
  readonly readFunction: WharfFunction;
  /** Width of the signing window; URLs live two of them. */
  readonly signingWindowSeconds: number;
  /**
   * How often the key is replaced. Must exceed the grace a replaced key keeps (two
   * signing windows plus the read function's refresh), or rotations would fail.
   * @default Duration.days(30)
   */
  readonly rotationInterval?: Duration;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

export class DownloadSigning extends Construct {
  /** May only s3:GetObject under files/ and upstream/files/; has no password. */
  public readonly user: iam.User;
  /** JSON `{accessKeyId, secretAccessKey, createdAt}`; `{}` until the first rotation. */
  public readonly secret: Secret;
  public readonly rotationFunction: WharfFunction;
  public readonly rotationSchedule: CfnRotationSchedule;
  /** Seconds a replaced key stays valid after its successor became current. */
  public readonly graceSeconds: number;
  /**
   * Deletes the user's access keys when the stack is deleted (the rotation function again,
   * as a custom resource): IAM deletes no user that still has keys.
   */
  public readonly keysCleanup: CustomResource;
  /**
   * In alarm when a rotation failed: the key then ages past its interval, and a second
   * failure in a row leaves URLs signed by a key that is not replaced.
   */
  public readonly rotationAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DownloadSigningProps) {
    super(scope, id);
    const rotationDays = (props.rotationInterval ?? Duration.days(30)).toDays();
    this.graceSeconds = 2 * props.signingWindowSeconds + SIGNING_KEY_DEFAULTS.refreshSeconds;
    if (!(Number.isInteger(rotationDays) && rotationDays >= 1 && rotationDays <= 365 && rotationDays * 86_400 > this.graceSeconds)) {
      throw new Error(
        `signingKeyRotation must be whole days from 1 to 365 and longer than a replaced key must live ` +
          `(${this.graceSeconds} s: two signing windows and an hour), not ${rotationDays} days.`,
      );
    }

    this.user = new iam.User(this, 'User');
    const objects = [props.bucket.arnForObjects(`${FILES_PREFIX}*`), props.bucket.arnForObjects(`${UPSTREAM_FILES_PREFIX}*`)];
    this.user.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects }));
    for (const arn of objects) {
      Validations.of(this.user).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagReference(Stack.of(this).resolve(arn))}]`,
        reason: 'The signing user signs download URLs for content-addressed keys (project/sha256/filename) under this prefix, unknown until a request names them; it may only read them.',
      });
    }

    this.secret = new Secret(this, 'Secret', {
      description: 'Access key of the Wharf download-signing user (rotated by the signing-key rotation function)',
      // No key in the template: the first rotation (at deploy) creates it. '{}' is no secret.
      secretStringValue: SecretValue.unsafePlainText('{}'),
    });

    this.rotationFunction = new WharfFunction(this, 'RotationFunction', {
      entry: resolve(props.projectRoot, SIGNING_ROTATION_ENTRY),
      projectRoot: props.projectRoot,
      description: 'Wharf signing-key rotation (access key of the download-signing user)',
      memorySize: 256,
      timeout: Duration.minutes(1),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: {
        [ENV.signingUserName]: this.user.userName,
        [ENV.signingKeyGraceSeconds]: String(this.graceSeconds),
      },
    });
    const rotationRole = this.rotationFunction.role;
    rotationRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...ROTATION_IAM_ACTIONS], resources: [this.user.userArn] }));
    rotationRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...ROTATION_SECRET_ACTIONS], resources: [this.secret.secretArn] }));

    // The L1 schedule, not Secret.addRotationSchedule: that also grants the function
    // secretsmanager:GetRandomPassword on "*", which this rotation never needs.
    this.rotationFunction.function.addPermission('SecretsManagerInvoke', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      sourceArn: this.secret.secretArn,
    });
    this.rotationSchedule = new CfnRotationSchedule(this, 'RotationSchedule', {
      secretId: this.secret.secretArn,
      rotationLambdaArn: this.rotationFunction.function.functionArn,
      rotationRules: { automaticallyAfterDays: rotationDays },
      // The first rotation runs at deploy, so the secret holds a key from the start.
      rotateImmediatelyOnUpdate: true,
    });
    // The function and its invoke permission (a child of it) exist before the first rotation.
    this.rotationSchedule.node.addDependency(this.rotationFunction.function);

    // CloudFormation invokes the function with the deployer's rights; on Delete it removes
    // the keys. Deleted after the schedule (which depends on it), so no rotation can make a
    // key once the keys are gone, and before the user and the function (which it names).
    this.keysCleanup = new CustomResource(this, 'KeysCleanup', {
      serviceToken: this.rotationFunction.function.functionArn,
      resourceType: 'Custom::WharfSigningKeys',
      properties: { UserName: this.user.userName },
    });
    this.rotationSchedule.node.addDependency(this.keysCleanup);

    this.rotationAlarm = new cloudwatch.Alarm(this, 'RotationFailed', {
      alarmDescription:
        'A rotation of the download-signing key failed. Read the rotation function\'s log; rotate again with ' +
        '"aws secretsmanager rotate-secret --secret-id <signing secret>" once the cause is fixed.',
      metric: this.rotationFunction.function.metricErrors({ period: Duration.hours(1), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    props.readFunction.addEnvironment(ENV.signingSecretArn, this.secret.secretArn);
    props.readFunction.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }));
  }
}
