/**
 * What upload sessions need in AWS beyond the route table: the verifier function, grants
 * on the staging prefix only, and the lifecycle rule that cleans up what clients abandon.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { resolve } from 'node:path';
import { VERIFIER_FUNCTION } from '../lambdas/config/functions.ts';
import { STAGING_PREFIX } from '../lambdas/core/upload-session.ts';
import { nagReference, WharfFunction } from './wharf-function.ts';
import { ENV } from '../lambdas/config/environment.ts';

/** S3 actions on `uploads/*`: presigning PUT and UploadPart is s3:PutObject. */
export const STAGING_ACTIONS = {
  /** Start, presign, complete and abort uploads; read, copy from and remove staged objects. */
  write: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
  /** Read (hash, ranged reads, copy source) and remove staged objects; never create them. */
  verify: ['s3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
} as const;

/** Staged objects live at most this long; sessions last at most a day. */
export const STAGING_EXPIRATION = Duration.days(2);
export const STAGING_ABORT_INCOMPLETE = Duration.days(1);

export function grantUploadStaging(fn: WharfFunction, bucket: IBucket, actions: readonly string[]): void {
  const objects = bucket.arnForObjects(`${STAGING_PREFIX}*`);
  fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [objects] }));
  Validations.of(fn.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagReference(Stack.of(fn).resolve(objects))}]`,
    reason: `Upload sessions stage bytes under ${STAGING_PREFIX}{session}/{filename}, unknown until a session starts; the grant is limited to that prefix.`,
  });
}

/** The lifecycle rule of the staging prefix, added to the files bucket. */
export function addStagingLifecycleRule(bucket: Bucket): void {
  bucket.addLifecycleRule({
    id: 'expire-upload-staging',
    prefix: STAGING_PREFIX,
    abortIncompleteMultipartUploadAfter: STAGING_ABORT_INCOMPLETE,
    expiration: STAGING_EXPIRATION,
  });
}

export interface UploadVerifierProps {
  readonly projectRoot: string;
  readonly table: ITable;
  readonly bucket: IBucket;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /**
   * Memory in MB.
   * @default 1769 - a whole vCPU, for SHA-256 of files up to 5 GB
   */
  readonly memorySize?: number;
  /** The write function: it may invoke the verifier, asynchronously. */
  readonly invokedBy: WharfFunction;
}

/**
 * The verifier function, invoked asynchronously by the write function. A function of its
 * own (not a self-invoke), so the write role's grant to invoke it creates no dependency
 * cycle, and the verifier gets the time and memory hashing 5 GB takes.
 */
export class UploadVerifier extends Construct {
  public readonly fn: WharfFunction;

  constructor(scope: Construct, id: string, props: UploadVerifierProps) {
    super(scope, id);
    this.fn = new WharfFunction(this, 'Function', {
      entry: resolve(props.projectRoot, VERIFIER_FUNCTION.entry),
      projectRoot: props.projectRoot,
      description: 'Wharf verifier (checks and ingests large upload sessions)',
      memorySize: props.memorySize ?? 1769,
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: props.environment,
    })
      .grantTable(props.table, VERIFIER_FUNCTION.access)
      .grantBucket(props.bucket, VERIFIER_FUNCTION.access);
    grantUploadStaging(this.fn, props.bucket, STAGING_ACTIONS.verify);
    // Asynchronous invokes are retried twice by Lambda; a verification is idempotent. An
    // event not started within 15 minutes is dropped, so that after VERIFY_DEADLINE_SECONDS
    // no verifier can still be running and a session left `verifying` can read as failed.
    this.fn.function.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.minutes(15) });
    // The function itself only (no `:*` versions, as grantInvoke would add).
    props.invokedBy.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.fn.function.functionArn] }),
    );
    props.invokedBy.addEnvironment(ENV.verifierFunctionName, this.fn.function.functionName);
  }
}
