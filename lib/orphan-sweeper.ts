/**
 * The orphan sweeper on AWS: a function with no route, started by a schedule, that may
 * Query the table and list, read and remove object versions under `files/`, and nothing more.
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
import { SWEEPER_FUNCTION } from '../lambdas/config/functions.ts';
import { ENV } from '../lambdas/config/environment.ts';
import { checkGraceSeconds, SWEEP_INTERVAL_HOURS, SWEEPER_DEFAULTS } from '../lambdas/config/sweeper-config.ts';
import { FILES_PREFIX } from '../lambdas/core/storage-keys.ts';
import { nagReference, WharfFunction } from './wharf-function.ts';

/** What the sweeper may do under `files/`: look at an object, remove one version of it. */
export const SWEEPER_OBJECT_ACTIONS = ['s3:GetObject', 's3:DeleteObjectVersion'] as const;

export interface OrphanSweeperProps {
  readonly projectRoot: string;
  readonly table: ITable;
  readonly bucket: IBucket;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** The settings every Wharf function is given (the sweeper reads only its own). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Memory in MB: the sweep waits on S3 and DynamoDB, it computes little.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * How long an unindexed object is left alone; at least an hour.
   * @default Duration.days(1)
   */
  readonly gracePeriod?: Duration;
  /**
   * When the sweep runs.
   * @default Schedule.rate(Duration.hours(24))
   */
  readonly schedule?: Schedule;
}

export class OrphanSweeper extends Construct {
  public readonly fn: WharfFunction;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: OrphanSweeperProps) {
    super(scope, id);
    const graceSeconds = checkGraceSeconds(props.gracePeriod?.toSeconds() ?? SWEEPER_DEFAULTS.graceSeconds, 'orphanGracePeriod');
    this.fn = new WharfFunction(this, 'Function', {
      entry: resolve(props.projectRoot, SWEEPER_FUNCTION.entry),
      projectRoot: props.projectRoot,
      description: 'Wharf orphan sweeper (removes files/ objects no index entry names)',
      memorySize: props.memorySize ?? 512,
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: {
        ...props.environment,
        [ENV.tableName]: props.table.tableName,
        [ENV.bucketName]: props.bucket.bucketName,
        [ENV.orphanGraceSeconds]: String(graceSeconds),
      },
    });
    const role = this.fn.role;
    // One Query per project: no GetItem, no Scan, no write.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [props.table.tableArn] }));
    const objects = props.bucket.arnForObjects(`${FILES_PREFIX}*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...SWEEPER_OBJECT_ACTIONS], resources: [objects] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${FILES_PREFIX}*`] } },
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagReference(Stack.of(this).resolve(objects))}]`,
      reason: `The sweeper looks at and removes orphaned versions of distribution files, whose content-addressed keys under ${FILES_PREFIX} it learns from the listing; the grant is limited to that prefix.`,
    });
    this.rule = new Rule(this, 'Schedule', {
      description: 'Starts the Wharf orphan sweep',
      schedule: props.schedule ?? Schedule.rate(Duration.hours(SWEEP_INTERVAL_HOURS)),
      // A missed run is made good by the next one: no retries that could overlap it.
      targets: [new LambdaFunction(this.fn.function, { retryAttempts: 0 })],
    });
  }
}
