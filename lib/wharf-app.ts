/**
 * The stacks of the CDK app, from its context (`-c key=value` on the command line, or
 * cdk.json's "context"): which PackageIndex options a `cdk deploy` turns on. bin/wharf.ts
 * calls this; the CDK tests call it with a context of their own.
 *
 * | context | prop |
 * | --- | --- |
 * | `stackName` | the stack's name (default `Wharf`) |
 * | `domain`, `domainZoneId`, `domainZoneName`, `domainCertificateArn`, `domainRecord=false` | `domain` |
 * | `backup=true`, `backupDailyDays`, `backupWeeklyDays` | `backup` |
 * | `replicaRegion`, `replicaBucket` | `replication` (and the replica stack, unless a bucket is named) |
 * | `restoredTable`, `restoredTokensTable` | `restoredTables` |
 * | `allowedNetworks` (comma-separated CIDR blocks) | `allowedNetworks` |
 */
import { Duration, type App, type Environment } from 'aws-cdk-lib';
import { WharfStack } from './wharf-stack.ts';
import { WharfReplicaStack } from './bucket-replication.ts';
import type { PackageIndexProps } from './package-index.ts';
import { parseNetworks } from '../lambdas/core/networks.ts';

export interface WharfStacks {
  readonly main: WharfStack;
  /** In the replica region, when `replicaRegion` is set and `replicaBucket` is not. */
  readonly replica?: WharfReplicaStack;
}

/** Every context problem at once, then the props. */
export function indexPropsFromContext(context: (key: string) => unknown): PackageIndexProps {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const value = context(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`Context "${key}" must be a non-empty string, got ${JSON.stringify(value)}.`);
      return undefined;
    }
    return value.trim();
  };
  const flag = (key: string): boolean | undefined => {
    const value = context(key);
    if (value === undefined) return undefined;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    problems.push(`Context "${key}" must be true or false, got ${JSON.stringify(value)}.`);
    return undefined;
  };
  const days = (key: string): Duration | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (!/^[1-9]\d*$/.test(value)) {
      problems.push(`Context "${key}" must be a whole number of days, got "${value}".`);
      return undefined;
    }
    return Duration.days(Number(value));
  };

  const props: { -readonly [K in keyof PackageIndexProps]: PackageIndexProps[K] } = {};
  const domain = text('domain');
  const zoneId = text('domainZoneId');
  const zoneName = text('domainZoneName');
  const certificateArn = text('domainCertificateArn');
  const record = flag('domainRecord');
  if (domain !== undefined) {
    if ((zoneId === undefined) !== (zoneName === undefined)) problems.push('Context "domainZoneId" and "domainZoneName" go together: give both, or neither.');
    props.domain = {
      name: domain,
      ...(zoneId !== undefined && zoneName !== undefined ? { hostedZone: { hostedZoneId: zoneId, zoneName } } : {}),
      ...(certificateArn !== undefined ? { certificateArn } : {}),
      ...(record !== undefined ? { createRecord: record } : {}),
    };
  } else if (zoneId !== undefined || zoneName !== undefined || certificateArn !== undefined || record !== undefined) {
    problems.push('Context "domainZoneId", "domainZoneName", "domainCertificateArn" and "domainRecord" need "domain" (the host name).');
  }

  const backup = flag('backup');
  const daily = days('backupDailyDays');
  const weekly = days('backupWeeklyDays');
  if (backup) props.backup = { ...(daily ? { dailyRetention: daily } : {}), ...(weekly ? { weeklyRetention: weekly } : {}) };
  else if (daily || weekly) problems.push('Context "backupDailyDays" and "backupWeeklyDays" need "backup=true".');

  const replicaRegion = text('replicaRegion');
  const replicaBucket = text('replicaBucket');
  if (replicaRegion !== undefined) props.replication = { region: replicaRegion, ...(replicaBucket !== undefined ? { bucketName: replicaBucket } : {}) };
  else if (replicaBucket !== undefined) problems.push('Context "replicaBucket" needs "replicaRegion" (the region that bucket is in).');

  const restoredTable = text('restoredTable');
  const restoredTokensTable = text('restoredTokensTable');
  if (restoredTable !== undefined || restoredTokensTable !== undefined) {
    props.restoredTables = {
      ...(restoredTable !== undefined ? { table: restoredTable } : {}),
      ...(restoredTokensTable !== undefined ? { tokensTable: restoredTokensTable } : {}),
    };
  }

  const networks = text('allowedNetworks');
  if (networks !== undefined) {
    props.allowedNetworks = networks.split(/[\s,]+/).filter(Boolean);
    try {
      parseNetworks(props.allowedNetworks);
    } catch (err) {
      problems.push(`Context "allowedNetworks": ${(err as Error).message}`);
    }
  }

  if (problems.length > 0) throw new Error(problems.join('\n'));
  return props;
}

export function wharfStacks(app: App, env: Environment): WharfStacks {
  const stackName = app.node.tryGetContext('stackName') ?? 'Wharf';
  if (typeof stackName !== 'string' || !/^[A-Za-z][A-Za-z0-9-]*$/.test(stackName)) {
    throw new Error(`Context "stackName" must be a CloudFormation stack name, got ${JSON.stringify(stackName)}`);
  }
  const index = indexPropsFromContext((key) => app.node.tryGetContext(key));
  const main = new WharfStack(app, stackName, { env, index });
  if (!index.replication || index.replication.bucketName !== undefined) return { main };
  const replica = new WharfReplicaStack(app, `${stackName}Replica`, {
    env: { ...env, region: index.replication.region },
    sourceStackName: stackName,
  });
  // Replication starts only once the destination exists: `cdk deploy --all` deploys the replica first.
  main.addStackDependency(replica, 'the files bucket replicates into the replica bucket');
  return { main, replica };
}
