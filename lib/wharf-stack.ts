/**
 * The deployable stack: one PackageIndex and the outputs a user needs to point pip at it.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PackageIndex, type PackageIndexProps } from './package-index.ts';

export interface WharfStackProps extends StackProps {
  /**
   * Settings of the package index (removal policy, cache control, signing window, ...).
   * @default - the PackageIndex defaults
   */
  readonly index?: PackageIndexProps;
}

export class WharfStack extends Stack {
  public readonly index: PackageIndex;

  constructor(scope: Construct, id: string, props: WharfStackProps = {}) {
    super(scope, id, {
      description: 'Wharf: a serverless Python package index (PEP 503/691) on API Gateway, Lambda, DynamoDB and S3',
      ...props,
    });
    this.index = new PackageIndex(this, 'Index', props.index);

    new CfnOutput(this, 'IndexUrl', {
      description: 'The simple index URL for pip --index-url, uv --index-url, or a poetry source',
      value: this.index.indexUrl,
    });
    new CfnOutput(this, 'PipConfig', {
      description: 'Run this to make pip use the index',
      value: `pip config set global.index-url ${this.index.indexUrl}`,
    });
    new CfnOutput(this, 'UploadUrl', {
      description: 'The upload URL for twine --repository-url, uv publish --publish-url, a poetry repository, or repository-url: of pypa/gh-action-pypi-publish',
      value: `${this.index.baseUrl}/legacy/`,
    });
    const domain = this.index.customDomain;
    if (domain) {
      new CfnOutput(this, 'DomainTarget', {
        description: domain.record
          ? 'The regional API Gateway host the custom domain is an alias of (the record exists)'
          : 'Point the custom domain at this host: a CNAME, or an alias A record to it in Route 53',
        value: domain.domainName.regionalDomainName,
      });
    }
    new CfnOutput(this, 'ApiEndpoint', {
      description: 'Base URL of the HTTP API',
      value: this.index.api.apiEndpoint,
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB table holding the index metadata',
      value: this.index.table.tableName,
    });
    new CfnOutput(this, 'TokensTableName', {
      description: 'DynamoDB table holding API token hashes (wharf token create --stack finds it here)',
      value: this.index.tokensTable.tableName,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The index\'s CloudWatch dashboard (README "Operate")',
      value: this.index.monitoring.dashboardUrl,
    });
    new CfnOutput(this, 'BucketName', {
      description: 'S3 bucket holding the distribution files',
      value: this.index.bucket.bucketName,
    });
    const backup = this.index.backup;
    if (backup) {
      new CfnOutput(this, 'BackupVaultName', {
        description: 'AWS Backup vault with the recovery points of both tables and the files bucket',
        value: backup.vault.backupVaultName,
      });
      new CfnOutput(this, 'BackupRoleArn', {
        description: 'The role to pass to aws backup start-restore-job --iam-role-arn',
        value: backup.role.roleArn,
      });
    }
    const replica = this.index.replicaBucket;
    if (replica) {
      new CfnOutput(this, 'ReplicaBucketName', {
        description: 'The bucket in the other region that receives a copy of files/',
        value: replica.bucketName,
      });
      new CfnOutput(this, 'ReplicationRoleArn', {
        description: 'The role S3 replicates with (a KMS-encrypted replica bucket of your own must let it encrypt)',
        value: this.index.bucket.replicationRoleArn ?? '',
      });
    }
  }
}
