/**
 * The operate options of the stack, each with and without: the custom domain, the AWS Backup
 * plan, the bucket's replication to another region (and its replica stack), and restored
 * tables. Stacks are built as `cdk deploy -c ...` builds them (lib/wharf-app.ts, cdk.json's
 * feature flags), without bundling the functions: nothing here looks at their code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CDK_CONTEXT, logicalId, TEST_ENVIRONMENT } from '../support/cdk-synth.ts';
import { indexPropsFromContext, wharfStacks, type WharfStacks } from '../../lib/wharf-app.ts';
import { WharfStack } from '../../lib/wharf-stack.ts';
import { BACKUP_MANAGED_POLICIES } from '../../lib/backup.ts';
import { replicaBucketName } from '../../lib/bucket-replication.ts';
import type { PackageIndexProps } from '../../lib/package-index.ts';
import { ENV } from '../../lambdas/config/environment.ts';
import { FILES_PREFIX } from '../../lambdas/core/storage-keys.ts';
import { TTL_ATTRIBUTE } from '../../lambdas/config/tables.ts';

function deploy(context: Record<string, string> = {}): WharfStacks & { app: App; template: Template } {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const stacks = wharfStacks(app, TEST_ENVIRONMENT);
  return { ...stacks, app, template: Template.fromStack(stacks.main) };
}

function withIndex(index: PackageIndexProps): { stack: WharfStack; template: Template } {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new WharfStack(app, 'Wharf', { env: TEST_ENVIRONMENT, index });
  return { stack, template: Template.fromStack(stack) };
}

function nagFindings(app: App): string[] {
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
  return report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

const ZONE = { domainZoneId: 'Z0123456789ABCDEFGHIJ', domainZoneName: 'example.com' };
const plain = deploy();
const everything = deploy({ domain: 'pypi.example.com', ...ZONE, backup: 'true', replicaRegion: 'eu-central-1' });

describe('the default stack stays as it was: nothing billed while idle', () => {
  test('no certificate, custom domain, record, backup vault or plan, no replication and no replica stack', () => {
    for (const type of [
      'AWS::CertificateManager::Certificate',
      'AWS::ApiGatewayV2::DomainName',
      'AWS::ApiGatewayV2::ApiMapping',
      'AWS::Route53::RecordSet',
      'AWS::Backup::BackupVault',
      'AWS::Backup::BackupPlan',
      'AWS::Backup::BackupSelection',
    ]) {
      plain.template.resourceCountIs(type, 0);
    }
    const bucket = plain.template.toJSON().Resources[logicalId(plain.main.index.bucket)];
    assert.equal(bucket.Properties.ReplicationConfiguration, undefined);
    assert.equal(plain.replica, undefined);
    assert.equal(plain.app.node.children.filter((c) => c instanceof WharfStack || c.node.id.endsWith('Replica')).length, 1);
  });

  test('the URLs are the execute-api endpoint, and the upload URL is an output', () => {
    const endpoint = { 'Fn::GetAtt': [logicalId(plain.main.index.api), 'ApiEndpoint'] };
    plain.template.hasOutput('IndexUrl', { Value: { 'Fn::Join': ['', [endpoint, '/simple/']] } });
    plain.template.hasOutput('UploadUrl', { Value: { 'Fn::Join': ['', [endpoint, '/legacy/']] } });
    const outputs = Object.keys(plain.template.toJSON().Outputs);
    for (const name of ['DomainTarget', 'BackupVaultName', 'BackupRoleArn', 'ReplicaBucketName', 'ReplicationRoleArn']) assert.ok(!outputs.includes(name), name);
  });
});

describe('domain', () => {
  const { template, main } = everything;
  const domain = main.index.customDomain!;

  test('a DNS-validated certificate, through the hosted zone', () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'pypi.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'pypi.example.com', HostedZoneId: ZONE.domainZoneId }],
    });
  });

  test('a regional custom domain (TLS 1.2) with that certificate, the HTTP API mapped at its root on the $default stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'pypi.example.com',
      DomainNameConfigurations: [{ CertificateArn: { Ref: logicalId(domain.certificate as never) }, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
    });
    const mappings = Object.values(template.findResources('AWS::ApiGatewayV2::ApiMapping'));
    assert.equal(mappings.length, 1);
    const mapping = mappings[0]!.Properties;
    assert.deepEqual(mapping.ApiId, { Ref: logicalId(main.index.api) });
    assert.deepEqual(mapping.DomainName, { Ref: logicalId(domain.domainName) });
    assert.equal(mapping.Stage, '$default');
    // At the root: /_/oidc/audience must be at the host's root for pypa/gh-action-pypi-publish.
    assert.equal(mapping.ApiMappingKey, undefined);
  });

  test('an alias A record in the zone, to the custom domain', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'pypi.example.com.',
      Type: 'A',
      HostedZoneId: ZONE.domainZoneId,
      AliasTarget: {
        DNSName: { 'Fn::GetAtt': [logicalId(domain.domainName), 'RegionalDomainName'] },
        HostedZoneId: { 'Fn::GetAtt': [logicalId(domain.domainName), 'RegionalHostedZoneId'] },
      },
    });
  });

  test('IndexUrl, PipConfig and UploadUrl use the domain; DomainTarget names the API host', () => {
    template.hasOutput('IndexUrl', { Value: 'https://pypi.example.com/simple/' });
    template.hasOutput('PipConfig', { Value: 'pip config set global.index-url https://pypi.example.com/simple/' });
    template.hasOutput('UploadUrl', { Value: 'https://pypi.example.com/legacy/' });
    template.hasOutput('DomainTarget', { Value: { 'Fn::GetAtt': [logicalId(domain.domainName), 'RegionalDomainName'] } });
    assert.equal(main.index.indexUrl, 'https://pypi.example.com/simple/');
  });

  test('the OIDC audience does not depend on the URL: a token minted for the stack is good at either host', () => {
    const admin = template.toJSON().Resources[logicalId(main.index.functions.admin.function)];
    const audience = JSON.stringify(admin.Properties.Environment.Variables[ENV.oidcAudience]);
    assert.ok(!audience.includes('example.com') && !audience.includes('execute-api'), audience);
  });

  test('an existing certificate, no zone: no certificate made, no record, and DomainTarget says where to point the name', () => {
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-0123456789ab';
    const { template: t } = deploy({ domain: 'pypi.example.org', domainCertificateArn: arn });
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainNameConfigurations: [{ CertificateArn: arn }] });
    t.hasOutput('IndexUrl', { Value: 'https://pypi.example.org/simple/' });
    assert.match(t.toJSON().Outputs.DomainTarget.Description, /Point the custom domain at this host/);
  });

  test('a zone that only validates the certificate (domainRecord=false) makes no record', () => {
    const { template: t } = deploy({ domain: 'pypi.example.com', ...ZONE, domainRecord: 'false' });
    t.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  test('bad domain settings are refused together, each named', () => {
    assert.throws(
      () => withIndex({ domain: { name: 'https://Pypi.example.com/simple', hostedZone: { hostedZoneId: 'nope', zoneName: 'example.net' }, certificateArn: 'arn:aws:iam::1:x' } }),
      (error: Error) =>
        /domain.name must be a host name/.test(error.message) &&
        /hostedZoneId must be a Route 53 zone id/.test(error.message) &&
        /certificateArn must be an ACM certificate ARN/.test(error.message),
    );
    assert.throws(() => withIndex({ domain: { name: 'pypi.example.com', hostedZone: { hostedZoneId: 'Z123', zoneName: 'example.net' } } }), /is not in the hosted zone "example.net"/);
    assert.throws(() => withIndex({ domain: { name: 'pypi.example.com', createRecord: true } }), /createRecord needs domain.hostedZone/);
    assert.throws(() => deploy({ domainZoneId: 'Z123' }), /need "domain"/);
    assert.throws(() => deploy({ domain: 'pypi.example.com', domainZoneId: 'Z123' }), /go together/);
  });
});

describe('backup', () => {
  const { template, main } = everything;
  const backup = main.index.backup!;

  test('a retained vault that denies deleting recovery points by hand', () => {
    const vault = template.toJSON().Resources[logicalId(backup.vault)];
    assert.equal(vault.DeletionPolicy, 'Retain');
    const deny = vault.Properties.AccessPolicy.Statement.find((s: { Effect: string }) => s.Effect === 'Deny');
    assert.ok(deny.Action.includes('backup:DeleteRecoveryPoint'));
  });

  test('a daily rule kept 35 days and a weekly (Sunday) rule kept 365, into that vault', () => {
    const plan = template.toJSON().Resources[logicalId(backup.plan)];
    const rules = plan.Properties.BackupPlan.BackupPlanRule;
    const vault = { 'Fn::GetAtt': [logicalId(backup.vault), 'BackupVaultName'] };
    assert.deepEqual(
      rules.map((r: Record<string, unknown>) => [r.RuleName, r.ScheduleExpression, (r.Lifecycle as { DeleteAfterDays: number }).DeleteAfterDays, r.TargetBackupVault]),
      [
        ['daily', 'cron(0 3 * * ? *)', 35, vault],
        ['weekly', 'cron(0 4 ? * SUN *)', 365, vault],
      ],
    );
  });

  test('one selection: both tables and the files bucket, with a role that has the S3 backup and restore policies', () => {
    const selection = template.toJSON().Resources[logicalId(backup.selection)].Properties.BackupSelection;
    assert.deepEqual(selection.Resources, [
      { 'Fn::GetAtt': [logicalId(main.index.table), 'Arn'] },
      { 'Fn::GetAtt': [logicalId(main.index.tokensTable), 'Arn'] },
      { 'Fn::GetAtt': [logicalId(main.index.bucket), 'Arn'] },
    ]);
    assert.deepEqual(selection.IamRoleArn, { 'Fn::GetAtt': [logicalId(backup.role), 'Arn'] });
    const role = template.toJSON().Resources[logicalId(backup.role)].Properties;
    assert.deepEqual(role.AssumeRolePolicyDocument.Statement[0].Principal, { Service: 'backup.amazonaws.com' });
    const policies = role.ManagedPolicyArns.map((p: { 'Fn::Join': [string, unknown[]] }) => String(p['Fn::Join'][1][2]).replace(':iam::aws:policy/', ''));
    assert.deepEqual(policies, [...BACKUP_MANAGED_POLICIES]);
    // S3 backups need versioning.
    const bucket = template.toJSON().Resources[logicalId(main.index.bucket)];
    assert.equal(bucket.Properties.VersioningConfiguration.Status, 'Enabled');
  });

  test('BackupVaultName and BackupRoleArn are outputs (the restore steps use them)', () => {
    template.hasOutput('BackupVaultName', { Value: { 'Fn::GetAtt': [logicalId(backup.vault), 'BackupVaultName'] } });
    template.hasOutput('BackupRoleArn', { Value: { 'Fn::GetAtt': [logicalId(backup.role), 'Arn'] } });
  });

  test('retention can be set, in whole days', () => {
    const { template: t } = deploy({ backup: 'true', backupDailyDays: '7', backupWeeklyDays: '90' });
    const plan = Object.values(t.findResources('AWS::Backup::BackupPlan'))[0]!;
    assert.deepEqual(plan.Properties.BackupPlan.BackupPlanRule.map((r: { Lifecycle: { DeleteAfterDays: number } }) => r.Lifecycle.DeleteAfterDays), [7, 90]);
    assert.throws(() => withIndex({ backup: { dailyRetention: Duration.hours(5) } }), /backup.dailyRetention must be whole days/);
    assert.throws(() => deploy({ backupDailyDays: '7' }), /need "backup=true"/);
    assert.throws(() => deploy({ backup: 'yes' }), /"backup" must be true or false/);
  });
});

describe('replication', () => {
  const { template, main, replica } = everything;
  const name = replicaBucketName('Wharf', '123456789012', 'eu-central-1');

  test('files/ of the bucket, delete markers too, to the replica bucket by its derived name', () => {
    const bucket = template.toJSON().Resources[logicalId(main.index.bucket)];
    const config = bucket.Properties.ReplicationConfiguration;
    assert.equal(config.Rules.length, 1);
    const [rule] = config.Rules;
    assert.deepEqual(rule.Filter, { Prefix: 'files/' });
    assert.deepEqual(rule.DeleteMarkerReplication, { Status: 'Enabled' });
    assert.equal(rule.Status, 'Enabled');
    assert.deepEqual(rule.Destination.Bucket, { 'Fn::Join': ['', ['arn:aws:s3:::wharf-replica-', { Ref: 'AWS::AccountId' }, '-eu-central-1']] });
    assert.deepEqual(config.Role, { 'Fn::GetAtt': [logicalId(main.index.bucket.node.findChild('ReplicationRole') as never), 'Arn'] });
  });

  test('the replication role may replicate into the replica and read versions of the source, nothing else', () => {
    const role = main.index.bucket.node.findChild('ReplicationRole');
    const roleId = logicalId(role as never);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    assert.deepEqual(actions, [
      's3:GetObjectVersionAcl',
      's3:GetObjectVersionForReplication',
      's3:GetObjectVersionTagging',
      's3:GetReplicationConfiguration',
      's3:ListBucket',
      's3:ObjectOwnerOverrideToBucketOwner',
      's3:ReplicateDelete',
      's3:ReplicateObject',
      's3:ReplicateTags',
    ]);
  });

  test('the replica stack: in the replica region, deployed first, one versioned, encrypted, retained bucket of that name', () => {
    assert.ok(replica);
    assert.equal(replica.region, 'eu-central-1');
    assert.equal(replica.stackName, 'WharfReplica');
    assert.ok(main.dependencies.includes(replica));
    const t = Template.fromStack(replica);
    t.resourceCountIs('AWS::S3::Bucket', 1);
    const bucket = t.toJSON().Resources[logicalId(replica.bucket)];
    assert.equal(bucket.DeletionPolicy, 'Retain');
    assert.deepEqual(bucket.Properties.VersioningConfiguration, { Status: 'Enabled' });
    assert.deepEqual(bucket.Properties.BucketName, { 'Fn::Join': ['', ['wharf-replica-', { Ref: 'AWS::AccountId' }, '-eu-central-1']] });
    assert.equal(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm, 'AES256');
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    assert.equal(name, 'wharf-replica-123456789012-eu-central-1');
  });

  test('ReplicaBucketName and ReplicationRoleArn are outputs', () => {
    template.hasOutput('ReplicaBucketName', {});
    template.hasOutput('ReplicationRoleArn', { Value: { 'Fn::GetAtt': [logicalId(main.index.bucket.node.findChild('ReplicationRole') as never), 'Arn'] } });
  });

  test('a bucket of your own: replicated to by name, and no replica stack', () => {
    const own = deploy({ replicaRegion: 'us-east-2', replicaBucket: 'acme-wharf-dr' });
    assert.equal(own.replica, undefined);
    const bucket = own.template.toJSON().Resources[logicalId(own.main.index.bucket)];
    assert.deepEqual(bucket.Properties.ReplicationConfiguration.Rules[0].Destination.Bucket, 'arn:aws:s3:::acme-wharf-dr');
  });

  test('the own region, a bad region, a name too long for S3, or a bucket without a region are refused', () => {
    assert.throws(() => deploy({ replicaRegion: 'eu-west-1' }), /must differ from the stack's own region \(eu-west-1\)/);
    assert.throws(() => deploy({ replicaRegion: 'Frankfurt' }), /must be an AWS region/);
    assert.throws(() => deploy({ replicaRegion: 'ap-southeast-2', stackName: 'WharfForTheWholeEngineeringOrg' }), /longer than S3's 63 characters/);
    assert.throws(() => deploy({ replicaBucket: 'acme-wharf-dr' }), /needs "replicaRegion"/);
  });
});

describe('restored tables', () => {
  const restored = deploy({ restoredTable: 'wharf-index-restored', restoredTokensTable: 'wharf-tokens-restored', backup: 'true' });
  const resources = restored.template.toJSON().Resources;

  test('the stack makes no table and points every function at the restored ones', () => {
    restored.template.resourceCountIs('AWS::DynamoDB::Table', 0);
    const functions = Object.values(restored.template.findResources('AWS::Lambda::Function')).filter((f) => f.Properties.Environment?.Variables?.[ENV.tableName]);
    assert.ok(functions.length >= 3);
    for (const fn of functions) assert.equal(fn.Properties.Environment.Variables[ENV.tableName], 'wharf-index-restored');
    const tokenUsers = Object.values(restored.template.findResources('AWS::Lambda::Function')).filter((f) => f.Properties.Environment?.Variables?.[ENV.tokensTableName]);
    assert.ok(tokenUsers.length >= 3);
    for (const fn of tokenUsers) assert.equal(fn.Properties.Environment.Variables[ENV.tokensTableName], 'wharf-tokens-restored');
  });

  test('grants, outputs and the backup selection name the restored tables', () => {
    const policies = JSON.stringify(restored.template.findResources('AWS::IAM::Policy'));
    assert.ok(policies.includes(':table/wharf-index-restored'));
    assert.ok(policies.includes(':table/wharf-tokens-restored'));
    restored.template.hasOutput('TableName', { Value: 'wharf-index-restored' });
    restored.template.hasOutput('TokensTableName', { Value: 'wharf-tokens-restored' });
    const selection = Object.values(restored.template.findResources('AWS::Backup::BackupSelection'))[0]!;
    assert.ok(JSON.stringify(selection.Properties.BackupSelection.Resources).includes(':table/wharf-index-restored'));
    assert.ok(Object.keys(resources).length > 0);
  });

  test('one table alone can be restored; a bad name is refused', () => {
    const one = deploy({ restoredTable: 'wharf-index-restored' });
    one.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    assert.throws(() => deploy({ restoredTable: 'a b' }), /restoredTables.table must be a DynamoDB table name/);
  });

  test('the context keys the README names are the ones the app reads', () => {
    assert.deepEqual(indexPropsFromContext((k) => ({ restoredTable: 'x-1', restoredTokensTable: 'y-2' })[k]).restoredTables, { table: 'x-1', tokensTable: 'y-2' });
  });
});

describe('IP allowlist', () => {
  const allowed = deploy({ allowedNetworks: '203.0.113.0/24,2001:db8::/32' });

  test('the read, write and admin functions get WHARF_ALLOWED_NETWORKS; no other function, and nothing by default', () => {
    const variables = (d: typeof allowed, fn: { function: unknown }) =>
      d.template.toJSON().Resources[logicalId(fn.function as never)].Properties.Environment.Variables as Record<string, string>;
    for (const name of ['read', 'write', 'admin'] as const) {
      assert.equal(variables(allowed, allowed.main.index.functions[name])[ENV.allowedNetworks], '203.0.113.0/24,2001:db8::/32', name);
      assert.equal(variables(plain, plain.main.index.functions[name])[ENV.allowedNetworks], undefined, name);
    }
    for (const fn of [allowed.main.index.verifier, allowed.main.index.sweeper.fn]) assert.equal(variables(allowed, fn)[ENV.allowedNetworks], undefined);
  });

  test('no WAF, no CloudFront: nothing billed while idle, and the API keeps its one stage', () => {
    for (const type of ['AWS::WAFv2::WebACL', 'AWS::CloudFront::Distribution']) allowed.template.resourceCountIs(type, 0);
    allowed.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
  });

  test('a bad block, or an empty list, is refused at synth', () => {
    assert.throws(() => deploy({ allowedNetworks: '10.0.0.0/8,office' }), /Context "allowedNetworks": Not a CIDR block .*"office"/);
    assert.throws(() => withIndex({ allowedNetworks: ['10.0.0.0/33'] }), /allowedNetworks: Not a CIDR block/);
    assert.throws(() => withIndex({ allowedNetworks: [] }), /names no network/);
  });
});

describe('README "Restore an index", checked against the template', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('### Restore an index');
  const section = readme.slice(start, readme.indexOf('\n### ', start + 1));
  const withBackup = deploy({ backup: 'true' });

  test('every output the steps read exists (with backup=true), and the helper reads outputs by key', () => {
    assert.ok(start > 0 && section.length > 1000, 'the section is there');
    assert.match(section, /out\(\) \{ aws cloudformation describe-stacks --stack-name Wharf --query "Stacks\[0\]\.Outputs\[\?OutputKey=='\$1'\]\.OutputValue" --output text; \}/);
    const used = [...new Set([...section.matchAll(/\$\(out (\w+)\)/g)].map((m) => m[1]!))].sort();
    assert.deepEqual(used, ['BackupRoleArn', 'BackupVaultName', 'BucketName', 'TableName']);
    const outputs = Object.keys(withBackup.template.toJSON().Outputs);
    for (const name of used) assert.ok(outputs.includes(name), `output ${name}`);
    assert.equal(withBackup.main.stackName, 'Wharf');
  });

  test('every context key the steps pass is one the app reads', () => {
    const keys = [...section.matchAll(/-c (\w+)=([\w.-]+)/g)].map((m) => [m[1]!, m[2]!] as const);
    assert.deepEqual(keys.map(([k]) => k).sort(), ['restoredTable', 'restoredTokensTable']);
    for (const [key, value] of keys) {
      const props = indexPropsFromContext((k) => (k === key ? (value === '...' ? 'wharf-tokens-20261201' : value) : undefined));
      assert.ok(props.restoredTables, `${key} sets restoredTables`);
    }
  });

  test('the settings the steps give a restored table are the ones the stack gives its own', () => {
    const tables = withBackup.template.toJSON().Resources;
    const table = tables[logicalId(withBackup.main.index.table)].Properties;
    const tokens = tables[logicalId(withBackup.main.index.tokensTable)].Properties;
    assert.match(section, new RegExp(`--billing-mode-override ${table.BillingMode}`));
    assert.equal(table.SSESpecification.SSEEnabled, true);
    // SSEEnabled without a type or key is KMS with the AWS managed key (aws/dynamodb), as the override asks.
    assert.equal(table.SSESpecification.KMSMasterKeyId, undefined);
    assert.match(section, new RegExp(`--sse-specification-override Enabled=true,SSEType=${table.SSESpecification.SSEType ?? 'KMS'}`));
    assert.equal(table.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled, true);
    assert.match(section, /PointInTimeRecoveryEnabled=true/);
    assert.equal(table.DeletionProtectionEnabled, true);
    assert.match(section, /--deletion-protection-enabled/);
    assert.equal(tokens.TimeToLiveSpecification.AttributeName, TTL_ATTRIBUTE);
    assert.match(section, new RegExp(`--time-to-live-specification Enabled=true,AttributeName=${TTL_ATTRIBUTE}`));
    assert.match(section, new RegExp(`--prefix ${FILES_PREFIX} `));
  });

  test('the restore role the steps pass is the one the backup selection uses, and it may restore S3 and DynamoDB', () => {
    const backup = withBackup.main.index.backup!;
    const selection = withBackup.template.toJSON().Resources[logicalId(backup.selection)].Properties.BackupSelection;
    withBackup.template.hasOutput('BackupRoleArn', { Value: selection.IamRoleArn });
    assert.ok(BACKUP_MANAGED_POLICIES.includes('service-role/AWSBackupServiceRolePolicyForRestores'));
    assert.ok(BACKUP_MANAGED_POLICIES.includes('AWSBackupServiceRolePolicyForS3Restore'));
  });
});

describe('cdk-nag AwsSolutions with every option', () => {
  test('no finding is left unacknowledged in the main stack or the replica stack', () => {
    assert.deepEqual(nagFindings(everything.app), []);
  });

  test('nor with an existing certificate, an own replica bucket and restored tables', () => {
    const other = deploy({
      allowedNetworks: '10.0.0.0/8',
      domain: 'pypi.example.org',
      domainCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-0123456789ab',
      replicaRegion: 'us-east-2',
      replicaBucket: 'acme-wharf-dr',
      restoredTable: 'wharf-index-restored',
      restoredTokensTable: 'wharf-tokens-restored',
      backup: 'true',
    });
    assert.deepEqual(nagFindings(other.app), []);
  });
});
