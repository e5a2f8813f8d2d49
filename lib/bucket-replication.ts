/**
 * Replication of the files bucket to another region, for the day a region is unwell.
 *
 * What is replicated: `files/` only (distribution files and their `.metadata`), the part of
 * the bucket that cannot be made again; staged uploads and the upstream cache can. Delete
 * markers are replicated too, so the replica is a mirror of what the index serves, with the
 * same undo window (noncurrent versions live as long as in the source). History beyond that
 * is the backup plan's job (lib/backup.ts).
 *
 * Where to: by default a bucket that `WharfReplicaStack` (below) makes in the replica region:
 * a second stack, because a CloudFormation stack lives in one region. Its name is derived from
 * the stack name, account and region (`replicaBucketName`), so the source stack needs no
 * cross-region reference (those need SSM parameters and custom resources). Or a bucket the
 * user names: it must exist in that region, be versioned, and, if it uses SSE-KMS, the user
 * adds the key grant (this stack's replication role is `ReplicationRoleArn`).
 * Both buckets use SSE-S3, so replication needs no KMS grant.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket, type ReplicationRule } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { FILES_PREFIX } from '../lambdas/core/storage-keys.ts';

export interface ReplicationProps {
  /** The region of the replica, e.g. `eu-central-1`; not the stack's own. */
  readonly region: string;
  /**
   * An existing, versioned bucket in `region` to replicate to.
   * @default - the bucket of `WharfReplicaStack`: `replicaBucketName(stack name, account, region)`
   */
  readonly bucketName?: string;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** The replica bucket's name: stack name, account and region, so both stacks can compute it. */
export function replicaBucketName(stackName: string, account: string, region: string): string {
  return `${stackName.toLowerCase()}-replica-${account}-${region}`;
}

/** The longest stack name whose replica bucket name fits S3's 63 characters (12-digit account). */
function longestStackNameFor(region: string): number {
  return 63 - replicaBucketName('', '123456789012', region).length;
}

export function replicationProblems(props: ReplicationProps, sourceRegion: string, stackName: string): string[] {
  const problems: string[] = [];
  if (!REGION.test(props.region)) problems.push(`replication.region must be an AWS region such as eu-central-1, not "${props.region}".`);
  else if (props.bucketName === undefined && stackName.length > longestStackNameFor(props.region)) {
    problems.push(`The replica bucket's name (${replicaBucketName(stackName, '<account>', props.region)}) would be longer than S3's 63 characters: name a bucket with replication.bucketName (context replicaBucket), or use a stack name of at most ${longestStackNameFor(props.region)} characters.`);
  }
  else if (!Token.isUnresolved(sourceRegion) && props.region === sourceRegion) {
    problems.push(`replication.region must differ from the stack's own region (${sourceRegion}): a replica in the same region does not survive a regional outage.`);
  }
  if (props.bucketName !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName)) {
    problems.push(`replication.bucketName must be an S3 bucket name, not "${props.bucketName}".`);
  }
  return problems;
}

/** The replication rule of the files bucket, and the destination it names. */
export function replicationRule(scope: Construct, props: ReplicationProps): { rule: ReplicationRule; destination: IBucket } {
  const stack = Stack.of(scope);
  const problems = replicationProblems(props, stack.region, stack.stackName);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const bucketName = props.bucketName ?? replicaBucketName(stack.stackName, Aws.ACCOUNT_ID, props.region);
  const destination = Bucket.fromBucketAttributes(scope, 'ReplicaBucket', { bucketName, region: props.region });
  return {
    destination,
    rule: {
      id: 'replicate-files',
      destination,
      priority: 0,
      filter: { prefix: FILES_PREFIX },
      deleteMarkerReplication: true,
    },
  };
}

export interface WharfReplicaStackProps extends StackProps {
  /** The source stack's name (its replica bucket's name is derived from it). */
  readonly sourceStackName: string;
  /**
   * Days a replaced or deleted object version stays in the replica.
   * @default Duration.days(30), as in the source
   */
  readonly noncurrentVersionExpiration?: Duration;
}

/** The replica region's stack: one versioned bucket that receives the source's `files/`. */
export class WharfReplicaStack extends Stack {
  public readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: WharfReplicaStackProps) {
    super(scope, id, { description: `Wharf: replica of the files of stack ${props.sourceStackName}`, ...props });
    if (Token.isUnresolved(this.region)) throw new Error('WharfReplicaStack needs an explicit region (env.region): the replica region.');
    this.bucket = new Bucket(this, 'ReplicaBucket', {
      bucketName: replicaBucketName(props.sourceStackName, Aws.ACCOUNT_ID, this.region),
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Replication requires versioning on both sides.
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30),
          expiredObjectDeleteMarker: true,
        },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Only S3 replication writes to the replica; every request for the originals is in the source bucket access log, and a read of the replica during a failover is in CloudTrail.',
    });
    new CfnOutput(this, 'ReplicaBucketName', { description: 'The replica of the files bucket', value: this.bucket.bucketName });
  }
}
