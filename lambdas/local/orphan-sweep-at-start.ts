/**
 * The orphan sweep of a local server, run once at start, before the server listens.
 *
 * A short grace period is enough here, because nothing can be writing to the data
 * directory while it runs: uploads through this server cannot begin before it listens; the
 * data directory's lock refuses a second server; a `wharf import` finds this server only by
 * the server.json written after start, so one begun earlier writes through embedded stores
 * of its own on the same directory, whose LevelDB dynalite opens once (the second opener's
 * requests fail), and the sweep removes nothing without a project's index answer; and a
 * verifier or import of a killed server died with it. The grace period that remains covers
 * what this reasoning may have missed, not a known writer.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDbDocuments } from '../adapters/dynamodb-json-client.ts';
import type { S3Objects } from '../adapters/s3-objects.ts';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { S3SweepBucket } from '../adapters/s3-sweep-bucket.ts';
import { OrphanSweeper, type SweepReport } from '../app/orphan-sweeper.ts';
import type { LogLevel } from './local-functions.ts';

/** Seconds an unindexed local object is left alone at start. */
export const LOCAL_GRACE_SECONDS = 60;

export interface LocalSweepOptions {
  readonly dynamodb: DynamoDbDocuments;
  /** The files bucket's objects. */
  readonly objects: S3Objects;
  readonly tableName: string;
  readonly graceSeconds?: number;
  readonly logLevel?: LogLevel;
}

export async function sweepOrphansAtStart(options: LocalSweepOptions): Promise<SweepReport> {
  const logger = new Logger({ serviceName: 'wharf-sweeper', logLevel: options.logLevel ?? 'INFO' });
  const sweeper = new OrphanSweeper(
    new S3SweepBucket(options.objects),
    new DynamoDbMetadataStore(options.dynamodb, options.tableName),
    {
      graceSeconds: options.graceSeconds ?? LOCAL_GRACE_SECONDS,
      onRemove: (key) => logger.info('Removed orphan (bytes no index entry names, left by an interrupted upload or delete)', { key }),
    },
  );
  const report = await sweeper.sweep();
  if (report.unknown.length > 0) {
    logger.warn('Keys under files/ that Wharf does not write were left in place', { keys: report.unknown });
  }
  return report;
}
