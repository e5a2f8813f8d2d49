/**
 * A Python package index: the metadata table, the files bucket, one Lambda function per
 * entry of the route table (`lambdas/config/functions.ts`) and the HTTP API in front of them.
 * Adding a function or a route is an edit of that table only.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FUNCTIONS, PUBLISH_CLIENT_FILE, type FunctionName, type FunctionSpec } from '../lambdas/config/functions.ts';
import { TABLE_KEYS, TTL_ATTRIBUTE } from '../lambdas/config/tables.ts';
import {
  checkAudience,
  checkIssuerUrl,
  DEFAULTS,
  LAMBDA_MAX_UPLOAD_BYTES,
  MAX_AUTH_CACHE_SECONDS,
  MAX_SIGNING_WINDOW_SECONDS,
  OIDC_DEFAULTS,
} from '../lambdas/config/wharf-config.ts';
import { nagReference, WharfFunction } from './wharf-function.ts';
import { DownloadSigning } from './download-signing.ts';
import { upstreamConfigOf, wireUpstream, type UpstreamProps } from './upstream.ts';
import { UPSTREAM_INCOMING_PREFIX } from '../lambdas/core/upstream.ts';
import { addStagingLifecycleRule, grantUploadStaging, STAGING_ACTIONS, UploadVerifier } from './upload-staging.ts';
import { MAX_SESSION_LIFETIME_SECONDS, SESSION_DEFAULTS } from '../lambdas/config/upload-config.ts';
import { S3_MULTIPART } from '../lambdas/core/upload-session.ts';
import { ENV } from '../lambdas/config/environment.ts';
import { OrphanSweeper } from './orphan-sweeper.ts';
import { RetentionSchedule, type RetentionProps } from './retention.ts';
import { readTrustedRoot } from '../lambdas/config/trusted-root-file.ts';
import { checkMonitoringProps, IndexMonitoring, type MonitoringProps } from './monitoring.ts';
import { CustomDomain, type DomainProps } from './custom-domain.ts';
import { parseNetworks } from '../lambdas/core/networks.ts';
import { IndexBackup, type BackupProps } from './backup.ts';
import { replicationRule, type ReplicationProps } from './bucket-replication.ts';

/** Where a private Sigstore trusted root lands in the write function's bundle (the code directory is its working directory). */
const SIGSTORE_ROOT_IN_BUNDLE = 'sigstore-trusted-root.json';

const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface PackageIndexProps {
  /**
   * What happens to the table, the buckets and the log groups when they leave the stack
   * (or the stack is deleted). With RETAIN the table also gets deletion protection.
   * DESTROY is for throw-away stacks; CloudFormation cannot delete a bucket that still
   * holds objects, so empty the buckets first.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * `Cache-Control` of the simple pages (`WHARF_PAGE_CACHE_CONTROL`). Short, because a new
   * upload must show up soon; pip and uv revalidate after it.
   * @default 'max-age=30'
   */
  readonly pageCacheControl?: string;
  /**
   * Width of the window to which presigned download URLs are aligned, and their lifetime
   * (`WHARF_SIGNING_WINDOW_SECONDS`). The same file yields the same URL within a window,
   * so pip's HTTP cache (keyed by URL) hits. URLs live two windows; at most 302400 (3.5
   * days), since a presigned URL lives at most 7. They are signed with the rotated key of
   * the download-signing user (lib/download-signing.ts), so they outlive the role's credentials.
   * @default 86400 (1 day)
   */
  readonly signingWindowSeconds?: number;
  /**
   * How often the download-signing user's access key is replaced (Secrets Manager rotation).
   * A replaced key lives on for two signing windows and an hour, so live URLs keep working.
   * @default Duration.days(30)
   */
  readonly signingKeyRotation?: Duration;
  /**
   * Whether anyone may read the index (pages, files, `.metadata`) without a token
   * (`WHARF_PUBLIC_READ`). Uploads and the admin API always need one.
   * @default false - every read needs a token with read scope for the project
   */
  readonly publicRead?: boolean;
  /**
   * Which images a release description on the web pages may show
   * (`WHARF_DESCRIPTION_IMAGES`): `https` ones, or `none` (their alt text instead), so that
   * no page makes a reader's browser contact another host.
   * @default 'https'
   */
  readonly descriptionImages?: 'https' | 'none';
  /**
   * Seconds a warm function trusts a token it looked up (`WHARF_AUTH_CACHE_SECONDS`), so
   * also the longest a revoked token keeps working. At most 60.
   * @default 30
   */
  readonly authCacheSeconds?: number;
  /**
   * Largest distribution file the upload API (`POST /legacy/`) takes, in bytes
   * (`WHARF_MAX_UPLOAD_BYTES`). At most 4,700,000: with the form around it and base64 on
   * top, a larger file cannot reach Lambda through API Gateway (6 MB invoke payload).
   * @default 4194304 (4 MiB)
   */
  readonly maxUploadBytes?: number;
  /**
   * Retention of the functions' logs and of the API access log.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Memory of every function, in MB.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Request throttling of the API's `$default` stage (every route).
   * @default { rateLimit: 200, burstLimit: 400 }
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Days after which a replaced or deleted object version in the files bucket is removed
   * for good. Stored files are immutable, so only mistakes and manual deletions produce
   * such versions.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * Days the files bucket's S3 server access logs are kept.
   * @default Duration.days(90)
   */
  readonly accessLogExpiration?: Duration;
  /**
   * Directory holding package.json, package-lock.json, tsconfig.json and the handler
   * entries named in `lambdas/config/functions.ts`.
   * @default - the directory above `lib/`
   */
  readonly projectRoot?: string;
  /**
   * The upstream index for projects this index does not host (public PyPI unless `url`
   * says otherwise), and the dependency-confusion guards: reserved names and which hosted
   * projects may mix. See README "One index URL: the upstream".
   * @default { mode: 'proxy', url: 'https://pypi.org/simple/' }
   */
  readonly upstream?: UpstreamProps;
  /**
   * Largest file an upload session (`wharf publish`) takes, in bytes; at most 5 GiB.
   * @default 5 GiB
   */
  readonly maxSessionBytes?: number;
  /**
   * How long an upload session may take from start to completion (1 minute to 1 day).
   * @default Duration.hours(6)
   */
  readonly sessionLifetime?: Duration;
  /**
   * Trusted publishing (`/_/oidc/`): whose CI identity tokens the index trusts, and the
   * audience they must be issued for.
   * @default - the issuers of GitHub Actions, gitlab.com and Google; audience `wharf:<account>:<region>:<stack name>`
   */
  readonly trustedPublishing?: TrustedPublishingProps;
  /**
   * PEP 740 attestations: the Sigstore trusted_root.json they are verified against, for a
   * private Sigstore instance. The file is bundled into the write function (no fetch at
   * run time).
   * @default - Sigstore's public-good trusted root, pinned in the repository
   *   (lambdas/adapters/sigstore/public-good-trusted-root.json)
   */
  readonly sigstoreTrustedRootFile?: string;
  /**
   * How long the daily orphan sweep leaves an unindexed object under `files/` alone (at
   * least an hour; see lambdas/config/sweeper-config.ts).
   * @default Duration.days(1)
   */
  readonly orphanGracePeriod?: Duration;
  /**
   * The daily retention run: when, and how much one run may remove. The rules themselves
   * live in the metadata table (`wharf retention rules set`); without rules it removes nothing.
   * @default - daily at 03:17 UTC, at most 2000 releases a run
   */
  readonly retention?: RetentionProps;
  /**
   * Alarms, where they go, and their thresholds (lib/monitoring.ts); the dashboard is always
   * made. See README "Operate".
   * @default - the alarms with their defaults, notifying no topic
   */
  readonly monitoring?: MonitoringProps;
  /**
   * The index at its own domain (`https://pypi.example.com/simple/`): an ACM certificate and
   * an API Gateway custom domain mapped at the root (lib/custom-domain.ts), with a Route 53
   * alias record when a hosted zone is given. `indexUrl` and the stack outputs then use it.
   * @default - only the API's execute-api URL
   */
  readonly domain?: DomainProps;
  /**
   * An AWS Backup plan for both tables and the files bucket: a vault, daily and weekly
   * recovery points (lib/backup.ts). Billed by the storage the recovery points take.
   * @default - none: point-in-time recovery of the tables (35 days) and the bucket's versioning
   */
  readonly backup?: BackupProps;
  /**
   * Replication of the bucket's `files/` to a bucket in another region (lib/bucket-replication.ts).
   * @default - none
   */
  readonly replication?: ReplicationProps;
  /**
   * Tables restored from a backup or by point-in-time recovery, to use instead of the ones the
   * stack made (README "Restore an index"). The stack's own tables then leave the stack; with
   * RETAIN they stay in the account, to compare or delete by hand.
   * @default - the stack makes and owns both tables
   */
  readonly restoredTables?: RestoredTablesProps;
  /**
   * The IP allowlist: CIDR blocks (IPv4 or IPv6) the index answers (`WHARF_ALLOWED_NETWORKS`
   * on the read, write and admin functions). From elsewhere only trusted publishing works:
   * `/_/oidc/...`, and uploads with a token it minted (README "Access from known networks only").
   * @default - every network
   */
  readonly allowedNetworks?: readonly string[];
}

export interface RestoredTablesProps {
  /** Name of the restored metadata table (`TableName` output's successor). */
  readonly table?: string;
  /** Name of the restored tokens table (`TokensTableName` output's successor). */
  readonly tokensTable?: string;
}

export interface TrustedPublishingProps {
  /**
   * The `aud` CI jobs must request (served at `/_/oidc/audience`, so the action finds it).
   * Unique per deployment by default, so a token sent to one index is useless at another.
   * @default `wharf:<account>:<region>:<stack name>`
   */
  readonly audience?: string;
  /**
   * GitHub Actions' OIDC issuer: change it for GitHub Enterprise Server
   * (`https://HOST/_services/token`).
   * @default https://token.actions.githubusercontent.com
   */
  readonly githubIssuerUrl?: string;
  /**
   * GitLab instances whose CI/CD identity tokens are trusted: gitlab.com, and self-managed
   * instances by their issuer URL (`https://gitlab.example.com`); `[]` trusts none.
   * @default ['https://gitlab.com']
   */
  readonly gitlabIssuerUrls?: readonly string[];
  /**
   * Whether Google Cloud service accounts' identity tokens are trusted (Google's issuer).
   * @default true
   */
  readonly google?: boolean;
}

export class PackageIndex extends Construct {
  /** Metadata: partition key `pk`, sort key `sk` (both strings). A restored one is imported by name. */
  public readonly table: ITable;
  /**
   * API tokens (hashes only), apart from the metadata so that IAM can let the page-serving
   * function look tokens up and nothing more.
   */
  public readonly tokensTable: ITable;
  /** Distribution files and their `.metadata` files, under `files/`. */
  public readonly bucket: Bucket;
  /**
   * Receives the S3 server access logs of `bucket`. It has no access log of its own
   * (cdk-nag's S1 accepts a bucket that is another bucket's log target).
   */
  public readonly accessLogBucket: Bucket;
  public readonly api: HttpApi;
  /** The `$default` stage: throttling and access logging live here. */
  public readonly stage: HttpStage;
  public readonly apiAccessLogGroup: LogGroup;
  /** One function per entry of `FUNCTIONS`, by its key. */
  public readonly functions: Readonly<Record<FunctionName, WharfFunction>>;
  /** Where the index answers, no trailing slash: `https://<domain>`, or the API endpoint. */
  public readonly baseUrl: string;
  /** The index URL to give pip (`--index-url`): `baseUrl` plus `/simple/`. */
  public readonly indexUrl: string;
  /** The bucket in another region that `files/` is replicated to, when `replication` asks for it. */
  public readonly replicaBucket?: IBucket;
  /** The AWS Backup vault, plan and selection, when the `backup` prop asks for them. */
  public readonly backup?: IndexBackup;
  /** The custom domain, when the `domain` prop asks for one. */
  public readonly customDomain?: CustomDomain;
  /** The background copier of upstream files; only in upstream `cache` mode. */
  public readonly upstreamCopier?: WharfFunction;
  /** Verifies and ingests large upload sessions, invoked asynchronously by the write function. */
  public readonly verifier: WharfFunction;
  /** Removes orphaned objects under `files/` on a schedule (lib/orphan-sweeper.ts). */
  public readonly sweeper: OrphanSweeper;
  /** The user, secret and rotation behind download URLs that outlive role credentials. */
  public readonly downloadSigning: DownloadSigning;
  /** Applies the retention rules on a schedule (lib/retention.ts). */
  public readonly retention: RetentionSchedule;
  /** The alarms, their topic and the dashboard. */
  public readonly monitoring: IndexMonitoring;

  constructor(scope: Construct, id: string, props: PackageIndexProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const projectRoot = props.projectRoot ?? REPOSITORY_ROOT;
    const upstream = upstreamConfigOf(props.upstream);
    checkMonitoringProps(props.monitoring);

    const restored = props.restoredTables;
    for (const [key, name] of Object.entries(restored ?? {})) {
      if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(name)) {
        throw new Error(`restoredTables.${key} must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -), not ${JSON.stringify(name)}.`);
      }
    }
    this.table = restored?.table
      ? Table.fromTableName(this, 'RestoredTable', restored.table)
      : new Table(this, 'Table', {
          partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
          sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
          billingMode: BillingMode.PAY_PER_REQUEST,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          encryption: TableEncryption.AWS_MANAGED,
          removalPolicy,
          deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
        });

    this.tokensTable = restored?.tokensTable
      ? Table.fromTableName(this, 'RestoredTokensTable', restored.tokensTable)
      : new Table(this, 'TokensTable', {
          partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
          sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
          billingMode: BillingMode.PAY_PER_REQUEST,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          encryption: TableEncryption.AWS_MANAGED,
          timeToLiveAttribute: TTL_ATTRIBUTE,
          removalPolicy,
          deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
        });

    this.accessLogBucket = new Bucket(this, 'AccessLogBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // S3 server access logging delivers only to SSE-S3 buckets.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: props.accessLogExpiration ?? Duration.days(90) }],
    });

    const replication = props.replication && replicationRule(this, props.replication);
    this.bucket = new Bucket(this, 'FilesBucket', {
      ...(replication ? { replicationRules: [replication.rule] } : {}),
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'files-bucket/',
      lifecycleRules: [
        // Direct-to-S3 multipart uploads that a client abandoned.
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        // Background copies of upstream files that died before they were verified and moved.
        { id: 'expire-upstream-incoming', prefix: UPSTREAM_INCOMING_PREFIX, expiration: Duration.days(1) },
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30),
          expiredObjectDeleteMarker: true,
        },
      ],
    });

    if (replication) {
      this.replicaBucket = replication.destination;
      const role = this.bucket.node.findChild('ReplicationRole');
      for (const objects of [this.bucket.arnForObjects('*'), replication.destination.arnForObjects('*')]) {
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${nagReference(Stack.of(this).resolve(objects))}]`,
          reason: 'S3 replication (CDK\'s replication role) reads each object version of the source and writes it to the replica; which keys it copies is the rule\'s files/ filter, and the role may do nothing else.',
        });
      }
    }

    this.apiAccessLogGroup = new LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy });
    this.api = new HttpApi(this, 'Api', {
      description: 'Wharf Python package index (PEP 503/691 simple API and uploads)',
      // The default stage that HttpApi would create takes no access log settings.
      createDefaultStage: false,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 200, burstLimit: 400 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.apiAccessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            protocol: '$context.protocol',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            error: '$context.error.message',
          }),
        ),
      },
    });

    const environment: Record<string, string> = {
      [ENV.pageCacheControl]: props.pageCacheControl ?? DEFAULTS.pageCacheControl,
      [ENV.signingWindowSeconds]: String(props.signingWindowSeconds ?? DEFAULTS.signingWindowSeconds),
      [ENV.publicRead]: String(props.publicRead ?? false),
      [ENV.descriptionImages]: props.descriptionImages ?? DEFAULTS.descriptionImages,
      [ENV.authCacheSeconds]: String(props.authCacheSeconds ?? DEFAULTS.authCacheSeconds),
      [ENV.maxUploadBytes]: String(props.maxUploadBytes ?? DEFAULTS.maxUploadBytes),
    };
    if (props.descriptionImages !== undefined && props.descriptionImages !== 'https' && props.descriptionImages !== 'none') {
      throw new Error(`descriptionImages must be "https" or "none", not "${String(props.descriptionImages)}".`);
    }
    const signingWindowSeconds = props.signingWindowSeconds ?? DEFAULTS.signingWindowSeconds;
    if (!(Number.isInteger(signingWindowSeconds) && signingWindowSeconds > 0 && signingWindowSeconds <= MAX_SIGNING_WINDOW_SECONDS)) {
      throw new Error(`signingWindowSeconds must be a whole number from 1 to ${MAX_SIGNING_WINDOW_SECONDS} (URLs live two windows, presigned URLs at most 7 days), not ${signingWindowSeconds}.`);
    }
    if (props.maxUploadBytes !== undefined && !(Number.isInteger(props.maxUploadBytes) && props.maxUploadBytes > 0 && props.maxUploadBytes <= LAMBDA_MAX_UPLOAD_BYTES)) {
      throw new Error(`maxUploadBytes must be a whole number from 1 to ${LAMBDA_MAX_UPLOAD_BYTES}, not ${props.maxUploadBytes}.`);
    }
    if (props.maxSessionBytes !== undefined && !(Number.isInteger(props.maxSessionBytes) && props.maxSessionBytes > 0 && props.maxSessionBytes <= S3_MULTIPART.maxSinglePutBytes)) {
      throw new Error(`maxSessionBytes must be a whole number from 1 to ${S3_MULTIPART.maxSinglePutBytes} (5 GiB, what one CopyObject takes), not ${props.maxSessionBytes}.`);
    }
    const sessionLifetimeSeconds = props.sessionLifetime?.toSeconds() ?? SESSION_DEFAULTS.sessionLifetimeSeconds;
    if (!(Number.isInteger(sessionLifetimeSeconds) && sessionLifetimeSeconds >= 60 && sessionLifetimeSeconds <= MAX_SESSION_LIFETIME_SECONDS)) {
      throw new Error(`sessionLifetime must be from 1 minute to 1 day (staged uploads expire after 2 days), not ${sessionLifetimeSeconds} seconds.`);
    }
    environment[ENV.maxSessionBytes] = String(props.maxSessionBytes ?? SESSION_DEFAULTS.maxSessionBytes);
    environment[ENV.sessionLifetimeSeconds] = String(sessionLifetimeSeconds);
    if (props.authCacheSeconds !== undefined && !(props.authCacheSeconds >= 0 && props.authCacheSeconds <= MAX_AUTH_CACHE_SECONDS)) {
      throw new Error(`authCacheSeconds must be 0 to ${MAX_AUTH_CACHE_SECONDS} (revocation must take effect within a minute), not ${props.authCacheSeconds}.`);
    }
    const audience = props.trustedPublishing?.audience;
    const issuer = props.trustedPublishing?.githubIssuerUrl;
    const oidcAudience =
      audience === undefined ? `wharf:${Stack.of(this).account}:${Stack.of(this).region}:${Aws.STACK_NAME}` : Token.isUnresolved(audience) ? audience : checkAudience(audience, 'trustedPublishing.audience');
    const oidcGithubIssuer =
      issuer === undefined ? OIDC_DEFAULTS.githubIssuer : Token.isUnresolved(issuer) ? issuer : checkIssuerUrl(issuer, 'trustedPublishing.githubIssuerUrl');
    if (oidcGithubIssuer.startsWith('http:')) throw new Error('trustedPublishing.githubIssuerUrl must be https:// in a deployed index.');
    const gitlabIssuers = (props.trustedPublishing?.gitlabIssuerUrls ?? OIDC_DEFAULTS.gitlabIssuers).map((url) =>
      Token.isUnresolved(url) ? url : checkIssuerUrl(url, 'trustedPublishing.gitlabIssuerUrls'),
    );
    if (gitlabIssuers.some((url) => url.startsWith('http:'))) throw new Error('trustedPublishing.gitlabIssuerUrls must be https:// in a deployed index.');
    const googleIssuers = props.trustedPublishing?.google === false ? [] : OIDC_DEFAULTS.googleIssuers;
    if (props.allowedNetworks !== undefined) {
      let networks;
      try {
        networks = parseNetworks(props.allowedNetworks.map((n) => (Token.isUnresolved(n) ? '' : n)).filter(Boolean));
      } catch (err) {
        throw new Error(`allowedNetworks: ${(err as Error).message}`);
      }
      if (networks.length === 0) throw new Error('allowedNetworks names no network: leave it out to allow every network.');
    }
    const functions: Partial<Record<FunctionName, WharfFunction>> = {};
    const routeKeys = new Set<string>();
    const trustedRoot = props.sigstoreTrustedRootFile;
    if (trustedRoot !== undefined) readTrustedRoot(trustedRoot); // a missing or broken file fails the synth, named
    for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionName, FunctionSpec][]) {
      const ownsAttestations = name === 'write' && trustedRoot !== undefined;
      const networkEnvironment: Record<string, string> = props.allowedNetworks ? { [ENV.allowedNetworks]: props.allowedNetworks.join(',') } : {};
      // The read function serves the single-file publish client from a file beside its
      // index.mjs, read on the first request for it (lambdas/http/client-routes.ts).
      const extraFiles: Record<string, string> = {
        ...(ownsAttestations ? { [SIGSTORE_ROOT_IN_BUNDLE]: resolve(trustedRoot) } : {}),
        ...(name === 'read' ? { [PUBLISH_CLIENT_FILE.inBundle]: resolve(projectRoot, PUBLISH_CLIENT_FILE.source) } : {}),
      };
      const fn = new WharfFunction(this, `${pascalCase(name)}Function`, {
        entry: resolve(projectRoot, spec.entry),
        projectRoot,
        description: `Wharf ${name} (${spec.access} access)`,
        memorySize: props.memorySize,
        logRetention,
        logRemovalPolicy: removalPolicy,
        environment: { ...environment, ...networkEnvironment, ...(ownsAttestations ? { [ENV.sigstoreTrustedRoot]: SIGSTORE_ROOT_IN_BUNDLE } : {}) },
        ...(Object.keys(extraFiles).length > 0 ? { extraFiles } : {}),
      }).grantTokens(this.tokensTable, spec.tokens);
      if (spec.access === 'lookup') fn.grantProjectLookup(this.table);
      else if (spec.access !== 'none') fn.grantTable(this.table, spec.access).grantBucket(this.bucket, spec.access);
      functions[name] = fn;

      const integration = new HttpLambdaIntegration(`${pascalCase(name)}Integration`, fn.function);
      for (const route of spec.routes) {
        const key = `${route.method} ${route.path}`;
        if (routeKeys.has(key)) throw new Error(`Route "${key}" appears twice in lambdas/config/functions.ts`);
        routeKeys.add(key);
        const [httpRoute] = this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
        if (httpRoute) {
          Validations.of(httpRoute).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: 'No API Gateway authorizer: every handler checks the Wharf token itself (HTTP Basic with __token__, as pip, twine and poetry send it, or Bearer), so the same rules run in the local server and behind API Gateway, and a 401 carries the WWW-Authenticate challenge pip needs.',
          });
        }
      }
    }
    this.functions = functions as Record<FunctionName, WharfFunction>;
    const copier = wireUpstream(this, upstream, {
      read: this.functions.read,
      bucket: this.bucket,
      projectRoot,
      entry: resolve(projectRoot, 'lambdas/functions/upstream-copier-handler.ts'),
      ...(props.memorySize !== undefined ? { memorySize: props.memorySize } : {}),
      logRetention,
      logRemovalPolicy: removalPolicy,
    });
    if (copier) this.upstreamCopier = copier;
    // Only the admin function exchanges OIDC tokens (lambdas/config/functions.ts routes /_/oidc/ there);
    // the write function checks that attestations' certificates name the same issuers.
    this.functions.admin
      .addEnvironment(ENV.oidcAudience, oidcAudience)
      .addEnvironment(ENV.oidcGithubIssuer, oidcGithubIssuer)
      .addEnvironment(ENV.oidcGitlabIssuers, gitlabIssuers.length > 0 ? gitlabIssuers.join(',') : 'none')
      .addEnvironment(ENV.oidcGoogleIssuers, googleIssuers.length > 0 ? googleIssuers.join(',') : 'none');
    this.functions.write
      .addEnvironment(ENV.oidcGithubIssuer, oidcGithubIssuer)
      .addEnvironment(ENV.oidcGitlabIssuers, gitlabIssuers.length > 0 ? gitlabIssuers.join(',') : 'none')
      .addEnvironment(ENV.oidcGoogleIssuers, googleIssuers.length > 0 ? googleIssuers.join(',') : 'none');


    // Upload sessions: the write function presigns and completes under uploads/ only; the
    // verifier reads, copies out of and removes staged objects; the lifecycle rule cleans up.
    grantUploadStaging(this.functions.write, this.bucket, STAGING_ACTIONS.write);
    addStagingLifecycleRule(this.bucket);
    this.verifier = new UploadVerifier(this, 'UploadVerifier', {
      projectRoot,
      table: this.table,
      bucket: this.bucket,
      environment,
      logRetention,
      logRemovalPolicy: removalPolicy,
      invokedBy: this.functions.write,
      ...(props.memorySize !== undefined ? { memorySize: props.memorySize } : {}),
    }).fn;
    this.sweeper = new OrphanSweeper(this, 'OrphanSweeper', {
      projectRoot,
      table: this.table,
      bucket: this.bucket,
      logRetention,
      logRemovalPolicy: removalPolicy,
      environment,
      ...(props.memorySize !== undefined ? { memorySize: props.memorySize } : {}),
      ...(props.orphanGracePeriod !== undefined ? { gracePeriod: props.orphanGracePeriod } : {}),
    });
    this.retention = new RetentionSchedule(this, 'Retention', {
      ...props.retention,
      projectRoot,
      table: this.table,
      bucket: this.bucket,
      logRetention,
      logRemovalPolicy: removalPolicy,
      environment,
      ...(props.memorySize !== undefined ? { memorySize: props.memorySize } : {}),
    });
    this.downloadSigning = new DownloadSigning(this, 'DownloadSigning', {
      projectRoot,
      bucket: this.bucket,
      readFunction: this.functions.read,
      signingWindowSeconds,
      ...(props.signingKeyRotation ? { rotationInterval: props.signingKeyRotation } : {}),
      logRetention,
      logRemovalPolicy: removalPolicy,
    });
    // Every function's metrics carry the index's name, so two stacks in one account stay apart.
    const service = Stack.of(this).stackName;
    const monitored = { ...this.functions, ...(this.upstreamCopier ? { upstreamCopier: this.upstreamCopier } : {}) };
    for (const fn of [...Object.values(monitored), this.verifier, this.sweeper.fn, this.retention.fn, this.downloadSigning.rotationFunction]) {
      fn.addEnvironment(ENV.metricsService, service);
    }
    this.monitoring = new IndexMonitoring(this, 'Monitoring', {
      ...props.monitoring,
      service,
      api: this.api,
      functions: { ...monitored, sweeper: this.sweeper.fn, retention: this.retention.fn },
      verifier: this.verifier,
      tables: { metadata: this.table, tokens: this.tokensTable },
      upstream: upstream.mode === 'proxy' || upstream.mode === 'cache',
      otherAlarms: [this.downloadSigning.rotationAlarm],
    });
    if (props.backup) this.backup = new IndexBackup(this, 'Backup', { ...props.backup, tables: [this.table, this.tokensTable], bucket: this.bucket });
    if (props.domain) this.customDomain = new CustomDomain(this, 'Domain', { ...props.domain, api: this.api, stage: this.stage });
    this.baseUrl = this.customDomain?.url ?? this.api.apiEndpoint;
    this.indexUrl = `${this.baseUrl}/simple/`;
  }
}

function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
