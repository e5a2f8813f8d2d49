/**
 * Retention on AWS: a function with no route, started once a day by a schedule, that applies
 * the retention rules stored in the metadata table (set with `wharf retention rules set`).
 * Its role may read and delete package data (the tombstoned delete: GetItem, Query, PutItem,
 * UpdateItem, DeleteItem) and remove objects under `files/`; it cannot write a file, Scan
 * the table or touch the tokens.
 */
import { Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { resolve } from 'node:path';
import { RETENTION_FUNCTION } from '../lambdas/config/functions.ts';
import { ENV } from '../lambdas/config/environment.ts';
import { checkMaxReleasesPerRun, RETENTION_RUN_DEFAULTS } from '../lambdas/config/retention-config.ts';
import { FILES_PREFIX } from '../lambdas/core/storage-keys.ts';
import { nagReference, WharfFunction } from './wharf-function.ts';

/** What the retention function may do with the metadata table: the tombstoned delete and its own two items. */
export const RETENTION_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;
/** And with the files: remove them. */
export const RETENTION_OBJECT_ACTIONS = ['s3:DeleteObject'] as const;

export interface RetentionProps {
  /**
   * When the scheduled run starts. Each run goes on where the last one stopped.
   * @default Schedule.cron({ hour: '3', minute: '17' }) - daily at 03:17 UTC
   */
  readonly schedule?: Schedule;
  /**
   * The most releases one run removes (1 to 20,000); what is left goes in the next run.
   * @default 2000
   */
  readonly maxReleasesPerRun?: number;
  /**
   * Whether the schedule runs. Disabled, `wharf retention plan|apply` still works.
   * @default true
   */
  readonly enabled?: boolean;
}

export interface RetentionScheduleProps extends RetentionProps {
  readonly projectRoot: string;
  readonly table: ITable;
  readonly bucket: IBucket;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** The settings every Wharf function is given. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Memory in MB: the run waits on DynamoDB and S3.
   * @default 512
   */
  readonly memorySize?: number;
}

export class RetentionSchedule extends Construct {
  public readonly fn: WharfFunction;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: RetentionScheduleProps) {
    super(scope, id);
    const maxReleases = checkMaxReleasesPerRun(props.maxReleasesPerRun ?? RETENTION_RUN_DEFAULTS.maxReleasesPerRun, 'retention.maxReleasesPerRun');
    this.fn = new WharfFunction(this, 'Function', {
      entry: resolve(props.projectRoot, RETENTION_FUNCTION.entry),
      projectRoot: props.projectRoot,
      description: 'Wharf retention (applies the retention rules: removes old pre-release/dev/local versions)',
      memorySize: props.memorySize ?? 512,
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: {
        ...props.environment,
        [ENV.tableName]: props.table.tableName,
        [ENV.bucketName]: props.bucket.bucketName,
        [ENV.retentionMaxReleases]: String(maxReleases),
      },
    });
    const role = this.fn.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...RETENTION_TABLE_ACTIONS], resources: [props.table.tableArn] }));
    const objects = props.bucket.arnForObjects(`${FILES_PREFIX}*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...RETENTION_OBJECT_ACTIONS], resources: [objects] }));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagReference(Stack.of(this).resolve(objects))}]`,
      reason: `Retention removes the files of the releases its rules delete, whose content-addressed keys under ${FILES_PREFIX} it learns from their tombstones; the grant is DeleteObject on that prefix only.`,
    });
    this.rule = new Rule(this, 'Schedule', {
      description: 'Starts the Wharf retention run',
      schedule: props.schedule ?? Schedule.cron({ hour: '3', minute: '17' }),
      enabled: props.enabled ?? true,
      // A missed run is made good by the next one, which goes on where this one stopped.
      targets: [new LambdaFunction(this.fn.function, { retryAttempts: 0 })],
    });
  }
}
