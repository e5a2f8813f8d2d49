/**
 * AWS Backup for an index: a vault, a plan with a daily and a weekly rule, and one selection
 * holding both DynamoDB tables and the files bucket, so one recovery point set covers the
 * whole index. Optional (PackageIndexProps.backup): AWS Backup bills stored recovery points
 * only, nothing while nothing is kept, but a default stack stays as cheap as before.
 *
 * S3 backups need versioning (the files bucket has it) and the S3 backup and restore managed
 * policies on the role, which CDK's BackupSelection does not add for a bucket: the role is
 * made here with all four.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupSelection, BackupVault } from 'aws-cdk-lib/aws-backup';
import { Schedule } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface BackupProps {
  /**
   * How long a daily recovery point is kept.
   * @default Duration.days(35)
   */
  readonly dailyRetention?: Duration;
  /**
   * How long a weekly recovery point (Sundays) is kept.
   * @default Duration.days(365)
   */
  readonly weeklyRetention?: Duration;
}

/** The AWS managed policies the backup role carries: backup and restore, generic and S3's own. */
export const BACKUP_MANAGED_POLICIES = [
  'service-role/AWSBackupServiceRolePolicyForBackup',
  'service-role/AWSBackupServiceRolePolicyForRestores',
  'AWSBackupServiceRolePolicyForS3Backup',
  'AWSBackupServiceRolePolicyForS3Restore',
] as const;

export const BACKUP_DEFAULTS = { dailyRetentionDays: 35, weeklyRetentionDays: 365 } as const;

export interface IndexBackupProps extends BackupProps {
  readonly tables: readonly ITable[];
  readonly bucket: IBucket;
}

export class IndexBackup extends Construct {
  public readonly vault: BackupVault;
  public readonly plan: BackupPlan;
  /** The role AWS Backup uses for the backups and for restore jobs (the README's restore steps pass it). */
  public readonly role: iam.Role;
  public readonly selection: BackupSelection;

  constructor(scope: Construct, id: string, props: IndexBackupProps) {
    super(scope, id);
    const daily = props.dailyRetention ?? Duration.days(BACKUP_DEFAULTS.dailyRetentionDays);
    const weekly = props.weeklyRetention ?? Duration.days(BACKUP_DEFAULTS.weeklyRetentionDays);
    for (const [name, value] of [['dailyRetention', daily], ['weeklyRetention', weekly]] as const) {
      const days = value.toDays({ integral: false });
      if (!(Number.isInteger(days) && days >= 1)) throw new Error(`backup.${name} must be whole days, at least 1, not ${days}.`);
    }

    // RETAIN whatever the index's removal policy: backups are for the day the stack is gone.
    // Deleting recovery points by hand is denied by the vault's policy; they expire by the rules.
    this.vault = new BackupVault(this, 'Vault', { removalPolicy: RemovalPolicy.RETAIN, blockRecoveryPointDeletion: true });
    this.plan = new BackupPlan(this, 'Plan', { backupVault: this.vault });
    this.plan.addRule(
      new BackupPlanRule({
        ruleName: 'daily',
        scheduleExpression: Schedule.cron({ hour: '3', minute: '0' }),
        deleteAfter: daily,
      }),
    );
    this.plan.addRule(
      new BackupPlanRule({
        ruleName: 'weekly',
        scheduleExpression: Schedule.cron({ weekDay: 'SUN', hour: '4', minute: '0' }),
        deleteAfter: weekly,
      }),
    );
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup: backs up and restores the Wharf tables and files bucket',
      managedPolicies: BACKUP_MANAGED_POLICIES.map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
    });
    for (const name of BACKUP_MANAGED_POLICIES) {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`,
        reason: `${name.replace('service-role/', '')} is AWS Backup's own managed policy, which AWS keeps current with the calls a backup or restore job makes; a hand-written copy would break when AWS Backup changes them.`,
      });
    }
    this.selection = new BackupSelection(this, 'Selection', {
      backupPlan: this.plan,
      role: this.role,
      resources: [...props.tables.map((t) => BackupResource.fromDynamoDbTable(t)), BackupResource.fromArn(props.bucket.bucketArn)],
    });
  }
}
