/**
 * One place that decides how every Wharf Lambda function is built and run, so the
 * functions cannot drift apart: runtime, architecture, tracing, logging, bundling,
 * and how a function is given a table or a bucket (environment variable and IAM grant
 * together, never one without the other).
 */
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FILES_PREFIX } from '../lambdas/core/storage-keys.ts';
import { ENV } from '../lambdas/config/environment.ts';
import { BUNDLE_HANDLER, EsbuildBundling } from './bundling.ts';

/** What a function may do with the table and the bucket. */
export type WharfAccess = 'read' | 'write';

/**
 * DynamoDB actions by access level. Listed one by one (no `grantReadData`), because the
 * CDK grants include Scan and DescribeTable, which no Wharf request path may use.
 */
export const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  write: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
} as const satisfies Record<WharfAccess, readonly string[]>;

/** DynamoDB actions on the tokens table. Looking a token up is one GetItem. */
export const TOKEN_TABLE_ACTIONS = {
  verify: ['dynamodb:GetItem'],
  // And the trusted publishers of a repository (one Query), which PEP 740 attestations are checked against.
  publishers: ['dynamodb:GetItem', 'dynamodb:Query'],
  manage: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
} as const satisfies Record<'verify' | 'publishers' | 'manage', readonly string[]>;

/** S3 object actions on `files/*` by access level. */
export const OBJECT_ACTIONS = {
  // GetObject also signs the presigned download URLs: S3 checks the signer's rights.
  read: ['s3:GetObject'],
  write: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
} as const satisfies Record<WharfAccess, readonly string[]>;

export interface WharfFunctionProps {
  /** Absolute path of the handler's entry file; it exports `handler`. */
  readonly entry: string;
  /** Directory holding package.json, package-lock.json and node_modules (esbuild resolves from here). */
  readonly projectRoot: string;
  /**
   * A description shown in the Lambda console.
   * @default - no description
   */
  readonly description?: string;
  /**
   * Memory in MB. CPU share grows with memory, and page rendering is CPU bound.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Function timeout.
   * @default Duration.seconds(29) - one second under API Gateway's fixed 30 s limit, so a
   *   slow request ends with the function's own error, not the gateway's bare 503.
   */
  readonly timeout?: Duration;
  /**
   * How long the function's log group keeps events.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Extra environment variables.
   * @default - only the variables set by `grantTable`, `grantBucket` and the caller
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Files copied into the bundle beside its entry: name in the bundle to source path.
   * @default - none
   */
  readonly extraFiles?: Readonly<Record<string, string>>;
}

export class WharfFunction extends Construct {
  /** The underlying Lambda function (pass it to integrations, alarms, ...). */
  public readonly function: LambdaFunction;
  /** The execution role: its own log group and X-Ray, plus what `grantTable`/`grantBucket` add. */
  public readonly role: iam.Role;
  /** The function's log group, created here so that retention is part of the stack. */
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: WharfFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    // An explicit role instead of the default one, which carries the managed
    // AWSLambdaBasicExecutionRole (logs:* on every log group of the account).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${this.node.path}`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new LambdaFunction(this, 'Function', {
      // Our own esbuild call (lib/bundling.ts), not NodejsFunction: the bundle is a directory
      // of ESM chunks, so a cold start reads only the entry chunk and what it imports.
      code: Code.fromAsset(props.projectRoot, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          local: new EsbuildBundling(props.entry, props.projectRoot, props.extraFiles),
          // Required by the type, never pulled: local bundling always succeeds or throws.
          image: DockerImage.fromRegistry('dummy'),
        },
      }),
      handler: BUNDLE_HANDLER,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(29),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });

    // Active tracing, with its grant in a policy of its own: X-Ray's write actions take
    // no resource ARN, so that policy needs `Resource: *`, and the acknowledgement below
    // covers that policy alone. A `*` that slips into the data grants still fails cdk-nag.
    (this.function.node.defaultChild as CfnFunction).tracingConfig = { mode: Tracing.ACTIVE };
    const tracingPolicy = new iam.Policy(this, 'TracingPolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
      ],
    });
    this.function.node.addDependency(tracingPolicy);
    Validations.of(tracingPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; "*" is the only valid resource.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is pinned on purpose (DESIGN.md): the code is built and tested for Node 22 (esbuild target node22) and the runtime moves only together with that target, in its own change.',
    });
  }

  /** Set an environment variable on the function. */
  public addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }

  /**
   * Give the function the metadata table: sets `WHARF_TABLE_NAME` and grants exactly the
   * item actions of `access` on the table (no Scan, no table management).
   */
  public grantTable(table: ITable, access: WharfAccess): this {
    this.addEnvironment(ENV.tableName, table.tableName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...TABLE_ACTIONS[access]],
        resources: [table.tableArn],
      }),
    );
    return this;
  }

  /**
   * Let the function look project records up: sets `WHARF_TABLE_NAME` and grants GetItem
   * on the metadata table, nothing else (the admin function: is a name still free?).
   */
  public grantProjectLookup(table: ITable): this {
    this.addEnvironment(ENV.tableName, table.tableName);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table.tableArn] }));
    return this;
  }

  /**
   * Give the function the tokens table: sets `WHARF_TOKENS_TABLE_NAME` and grants exactly
   * the actions of `access` (`verify`: GetItem only; `manage`: create, list, revoke).
   */
  public grantTokens(table: ITable, access: keyof typeof TOKEN_TABLE_ACTIONS): this {
    this.addEnvironment(ENV.tokensTableName, table.tableName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...TOKEN_TABLE_ACTIONS[access]], resources: [table.tableArn] }),
    );
    return this;
  }

  /**
   * Give the function the files bucket: sets `WHARF_BUCKET_NAME` and grants the object
   * actions of `access` on `files/*` only.
   */
  public grantBucket(bucket: IBucket, access: WharfAccess): this {
    this.addEnvironment(ENV.bucketName, bucket.bucketName);
    const objects = bucket.arnForObjects(`${FILES_PREFIX}*`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...OBJECT_ACTIONS[access]], resources: [objects] }),
    );
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagReference(Stack.of(this).resolve(objects))}]`,
      reason: `Distribution files have content-addressed keys under ${FILES_PREFIX} (project/sha256/filename), unknown until a request names them; the grant is limited to that prefix.`,
    });
    if (access === 'write') {
      // Without ListBucket, S3 answers 403 instead of 404 for a missing key, and the
      // blob store's `exists` (blob before index, idempotent retries) could not tell
      // "not there yet" from "not allowed".
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
        }),
      );
    }
    return this;
  }
}

/**
 * The text cdk-nag uses for a resolved CloudFormation value in a finding id, e.g.
 * `<FilesBucket1234.Arn>/files/*`, so an acknowledgement names exactly one resource.
 */
export function nagReference(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    const join = node['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, items] = join as [string, unknown[]];
      return items.map(nagReference).join(delimiter);
    }
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.map(nagReference).join('.')}>`;
    if ('Ref' in node) return `<${nagReference(node.Ref)}>`;
  }
  return JSON.stringify(value);
}
