/**
 * The upstream index of a PackageIndex (lambdas/app/upstream-index.ts): its settings on the
 * read function, its grants under `upstream/` in the files bucket, and in `cache` mode the
 * background copier function. Nothing here touches `files/`: what comes from the upstream
 * can never land among Wharf's own distributions.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { UPSTREAM_FILES_PREFIX, UPSTREAM_INCOMING_PREFIX, UPSTREAM_PAGES_PREFIX, type UpstreamMode } from '../lambdas/core/upstream.ts';
import { upstreamSettings, type UpstreamConfig, type UpstreamOptions } from '../lambdas/config/upstream-config.ts';
import { nagReference, WharfFunction } from './wharf-function.ts';
import { ENV, UPSTREAM_ENV } from '../lambdas/config/environment.ts';

export interface UpstreamProps extends Pick<UpstreamOptions, 'url' | 'copyLimitBytes'> {
  /**
   * What the index answers for a project it does not host:
   * - `none`: 404.
   * - `redirect`: a redirect to the upstream's page; pip follows it.
   * - `proxy`: the upstream's page, kept for `pageTtl`, served in the client's format;
   *   files download from the upstream.
   * - `cache`: as `proxy`, and each upstream file is copied into the bucket on its first
   *   download (verified against the upstream's sha256), so later installs never leave
   *   the account and survive the upstream being down or deleting the file.
   * @default 'proxy'
   */
  readonly mode?: UpstreamMode;
  /**
   * How long a fetched upstream page is served before the upstream is asked again.
   * @default Duration.minutes(10)
   */
  readonly pageTtl?: Duration;
  /**
   * Time limit of one upstream page request (at most 20 s: API Gateway stops at 30).
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Name patterns (`acme-*`, `acme-app`) that never go upstream, even before the index
   * hosts such a project: an internal name cannot be taken from the public index.
   * @default - none
   */
  readonly reservedNames?: readonly string[];
  /**
   * Hosted projects whose pages also list the upstream's files. Hosted projects are
   * otherwise served from the index alone; list one here only when you mean to mix.
   * @default - none
   */
  readonly mixedProjects?: readonly string[];
}

/** Validated settings (throws with a clear message on a bad prop). */
export function upstreamConfigOf(props: UpstreamProps = {}): UpstreamConfig {
  return upstreamSettings({
    mode: props.mode ?? 'proxy',
    ...(props.url !== undefined ? { url: props.url } : {}),
    ...(props.pageTtl !== undefined ? { pageTtlSeconds: props.pageTtl.toSeconds() } : {}),
    ...(props.timeout !== undefined ? { timeoutSeconds: props.timeout.toSeconds() } : {}),
    ...(props.copyLimitBytes !== undefined ? { copyLimitBytes: props.copyLimitBytes } : {}),
    reserved: props.reservedNames ?? [],
    mixed: props.mixedProjects ?? [],
  });
}

function grantObjects(fn: WharfFunction, bucket: IBucket, prefix: string, actions: string[], why: string): void {
  const objects = bucket.arnForObjects(`${prefix}*`);
  fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [objects] }));
  Validations.of(fn.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagReference(Stack.of(fn).resolve(objects))}]`,
    reason: why,
  });
}

/** ListBucket for one prefix only: without it S3 answers 403, not 404, for a missing copy. */
function grantList(fn: WharfFunction, bucket: IBucket, prefix: string): void {
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    }),
  );
}

export interface UpstreamWiring {
  readonly read: WharfFunction;
  readonly bucket: IBucket;
  readonly projectRoot: string;
  readonly entry: string;
  readonly memorySize?: number;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/** Sets the upstream on the read function; returns the copier in `cache` mode. */
export function wireUpstream(scope: Construct, config: UpstreamConfig, wiring: UpstreamWiring): WharfFunction | undefined {
  const { read, bucket } = wiring;
  read
    .addEnvironment(UPSTREAM_ENV.mode, config.mode)
    .addEnvironment(UPSTREAM_ENV.url, config.url)
    .addEnvironment(UPSTREAM_ENV.pageTtlSeconds, String(config.pageTtlSeconds))
    .addEnvironment(UPSTREAM_ENV.timeoutSeconds, String(config.timeoutMs / 1000))
    .addEnvironment(UPSTREAM_ENV.copyLimitBytes, String(config.copyLimitBytes))
    .addEnvironment(UPSTREAM_ENV.reserved, config.reserved.patterns.join(','))
    .addEnvironment(UPSTREAM_ENV.mixed, config.mixed.patterns.join(','));
  if (config.mode === 'none' || config.mode === 'redirect') return undefined;

  grantObjects(read, bucket, UPSTREAM_PAGES_PREFIX, ['s3:GetObject', 's3:PutObject'], 'Kept upstream pages, one object per project name (unknown until asked); limited to that prefix.');
  grantList(read, bucket, UPSTREAM_PAGES_PREFIX);
  if (config.mode !== 'cache') return undefined;

  grantObjects(read, bucket, UPSTREAM_FILES_PREFIX, ['s3:GetObject', 's3:PutObject'], 'Copies of upstream files, content-addressed (project/sha256/filename), unknown until a download names them; limited to that prefix.');
  grantList(read, bucket, UPSTREAM_FILES_PREFIX);

  const copier = new WharfFunction(scope, 'UpstreamCopierFunction', {
    entry: wiring.entry,
    projectRoot: wiring.projectRoot,
    description: 'Wharf upstream copier (cache mode: copies large upstream files into the bucket)',
    memorySize: wiring.memorySize,
    // Not behind API Gateway: a 5 GB wheel may take minutes.
    timeout: Duration.minutes(15),
    logRetention: wiring.logRetention,
    logRemovalPolicy: wiring.logRemovalPolicy,
    environment: { [ENV.bucketName]: bucket.bucketName, [UPSTREAM_ENV.url]: config.url },
  });
  grantObjects(copier, bucket, UPSTREAM_FILES_PREFIX, ['s3:GetObject', 's3:PutObject'], 'Copies of upstream files, content-addressed (project/sha256/filename); limited to that prefix.');
  grantObjects(
    copier,
    bucket,
    UPSTREAM_INCOMING_PREFIX,
    ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
    'Copies in flight under random keys, moved to upstream/files/ once their sha256 matched; limited to that prefix.',
  );
  grantList(copier, bucket, UPSTREAM_FILES_PREFIX);
  // No retries of a failed copy: the next download of the file starts a new one.
  copier.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(1) });
  // The function itself, not `grantInvoke`'s extra `:*` (every version and alias).
  read.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [copier.function.functionArn] }));
  read.addEnvironment(UPSTREAM_ENV.copierFunction, copier.function.functionName);
  return copier;
}
