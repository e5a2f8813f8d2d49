/**
 * MetadataStore on one DynamoDB table (partition key `pk`, sort key `sk`, both strings).
 *
 *   pk                   sk                    what
 *   PROJECT#{name}       #PROJECT              project record (display name, created, PEP 792 status)
 *   PROJECT#{name}       #SERIAL               a number raised after every change to the page
 *   PROJECTS#SERIAL      #SERIAL               a number raised after every new project
 *   PROJECT#{name}       FILE#{identity}       one distribution file (its filename as published; provenance sha256)
 *   PROJECT#{name}       TOMBSTONE#{identity}  a deleted file (filename, sha256, version, when, who)
 *   RELEASE#{name}       {release key}         one release's core metadata (releaseVersionKey)
 *   PROJECTS#{shard}     {name}                root-listing entry, shard = hash(name) % 16
 *   SUMMARIES#{shard}    {name}                project summary for search (same shard as its listing entry)
 *   SUMMARIES#SERIAL     #SERIAL               one change counter per summary shard (s00..s15)
 *
 * Files and tombstones are keyed by the file's identity (distributionIdentity: normalized
 * name, canonical version, tags; for an sdist the release), not by its spelling, so the
 * conditional Put that makes the first writer win also refuses `Alpha-1.0.0-...` beside
 * `alpha-1.0-...`, a `.zip` beside a release's `.tar.gz`, and any spelling of a deleted
 * file. Lookups by filename find the file under whatever spelling it was published.
 *
 * A project page is one Query on PROJECT#{name}. The root listing is one Query per shard,
 * run in parallel and merged: no Scan, and no single hot partition for 100k+ projects.
 * Writes are single-item Puts with conditions; no transactions.
 *
 * The serials let a reader keep a page and check it with one small GetItem instead of
 * reading the whole partition again (lambdas/app/simple-index.ts). Every write that
 * changes what a page shows raises its project's serial after the write itself, so a
 * reader that sees the new serial also sees the change; a serial read first in a page
 * Query (`#SERIAL` sorts before `FILE#`) belongs to at least the files the Query returns.
 *
 * Tombstones share the page's partition so the one page Query sees them: a file with a
 * tombstone is left off the page even while its FILE item still exists, so a delete that
 * crashed between writing the tombstone and removing the FILE item never shows a deleted
 * file. Release metadata has a partition of its own: a description alone may be 64 KiB,
 * and the page Query reads its whole partition, so keeping releases there would make
 * every page view read every README the project ever published.
 *
 * Summaries (lambdas/core/project-search.ts) are what search and the front page read: a
 * few hundred bytes per project, kept apart from the root-listing entries so the listing
 * Query does not grow with them. A summary is Put only over one of a lower or equal
 * project serial, then its shard's counter is raised, so a reader keeps each shard and
 * re-reads only the shards whose counter moved.
 */
import type { DynamoDbDocuments, QueryInput } from './dynamodb-json-client.ts';
import { putIf, queryAll, updateIf } from './dynamodb-operations.ts';
import { compareWithStored } from '../core/file-identity.ts';
import { distributionIdentity } from '../core/filenames.ts';
import {
  type DistributionFile,
  type PackageType,
  type ProjectPageData,
  type ProjectRecord,
  type ReleaseRecord,
  type Tombstone,
  releaseVersionKey,
} from '../core/model.ts';
import type { ReleaseMetadata } from '../core/release-metadata.ts';
import type { ProjectSummary } from '../core/project-search.ts';
import { isProjectStatus, type ProjectStatusMarker } from '../core/project-status.ts';
import type { FileLookups, MetadataStore, ProjectListing, PutFileOutcome } from '../app/ports.ts';
import type { SweepIndex } from '../app/orphan-sweep-ports.ts';
import type { IndexedPair } from '../core/orphans.ts';

import { PROJECT_SK, projectPk } from './dynamodb-project-lookup.ts';
import { DynamoDbSweepIndex, FILE_SK_PREFIX } from './dynamodb-sweep-index.ts';

export const LISTING_SHARDS = 16;

const SERIAL_SK = '#SERIAL';
const LISTING_SERIAL_PK = 'PROJECTS#SERIAL';
const TOMBSTONE_SK_PREFIX = 'TOMBSTONE#';

export { projectPk } from './dynamodb-project-lookup.ts';
export const fileSk = (project: string, filename: string) => `${FILE_SK_PREFIX}${distributionIdentity(filename, project)}`;
export const tombstoneSk = (project: string, filename: string) =>
  `${TOMBSTONE_SK_PREFIX}${distributionIdentity(filename, project)}`;
export const releasePk = (name: string) => `RELEASE#${name}`;

/** FNV-1a over the normalized name: stable, cheap, evenly spread. */
export function listingShard(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % LISTING_SHARDS;
}
export const listingPk = (shard: number) => `PROJECTS#${shard.toString().padStart(2, '0')}`;
const shardLabel = (shard: number) => shard.toString().padStart(2, '0');
export const summaryPk = (shard: number) => `SUMMARIES#${shardLabel(shard)}`;
const SUMMARY_SERIAL_PK = 'SUMMARIES#SERIAL';
const summaryCounter = (shard: number) => `s${shardLabel(shard)}`;
/** How a deferred raise of a summary shard's counter is named to a SerialRaises: this, then the counter. */
const SUMMARY_COUNTER_RAISE = `${SUMMARY_SERIAL_PK}\0`;

/**
 * A summary as stored: short attribute names, and what equals another field left out (the
 * display name when it is the name, the last upload when it is the latest release), since
 * every search of a cold function reads every summary and pays for every byte of them.
 */
export function summaryItem(summary: ProjectSummary): Record<string, unknown> {
  const last = summary.lastUpload;
  return {
    pk: summaryPk(listingShard(summary.name)),
    sk: summary.name,
    n: summary.serial,
    ...(summary.displayName !== summary.name ? { dn: summary.displayName } : {}),
    ...(summary.version !== undefined ? { v: summary.version } : {}),
    ...(summary.summary !== undefined ? { s: summary.summary } : {}),
    ...(summary.uploadTime !== undefined ? { t: summary.uploadTime } : {}),
    ...(last && last.version !== summary.version ? { lv: last.version } : {}),
    ...(last && last.time !== summary.uploadTime ? { lt: last.time } : {}),
    ...(last ? {} : { nl: true }),
    ...(summary.status ? { ps: summary.status.status, ...(summary.status.reason !== undefined ? { pr: summary.status.reason } : {}) } : {}),
  };
}

export function summaryFromItem(item: Record<string, unknown>): ProjectSummary {
  const str = (key: string) => (typeof item[key] === 'string' ? (item[key] as string) : undefined);
  const name = String(item.sk);
  const version = str('v');
  const summary = str('s');
  const uploadTime = str('t');
  const lastVersion = str('lv') ?? version;
  const lastTime = str('lt') ?? uploadTime;
  return {
    name,
    displayName: str('dn') ?? name,
    serial: Number(item.n),
    ...(version !== undefined ? { version } : {}),
    ...(summary !== undefined ? { summary } : {}),
    ...(uploadTime !== undefined ? { uploadTime } : {}),
    ...(item.nl !== true && lastVersion !== undefined && lastTime !== undefined ? { lastUpload: { version: lastVersion, time: lastTime } } : {}),
    ...(isProjectStatus(item.ps) && item.ps !== 'active' ? { status: { status: item.ps, ...(str('pr') !== undefined ? { reason: str('pr')! } : {}) } } : {}),
  };
}

interface FileItem {
  pk: string;
  sk: string;
  filename: string;
  version: string;
  packagetype: PackageType;
  sha256: string;
  size: number;
  uploadTime: string;
  requiresPython?: string;
  yankedReason?: string;
  metadataSha256?: string;
  provenanceSha256?: string;
}

function toItem(file: DistributionFile): FileItem {
  return {
    pk: projectPk(file.project),
    sk: fileSk(file.project, file.filename),
    filename: file.filename,
    version: file.version,
    packagetype: file.packagetype,
    sha256: file.sha256,
    size: file.size,
    uploadTime: file.uploadTime,
    ...(file.requiresPython !== undefined ? { requiresPython: file.requiresPython } : {}),
    ...(file.yanked !== undefined ? { yankedReason: file.yanked.reason } : {}),
    ...(file.metadataSha256 !== undefined ? { metadataSha256: file.metadataSha256 } : {}),
    ...(file.provenanceSha256 !== undefined ? { provenanceSha256: file.provenanceSha256 } : {}),
  };
}

function fromItem(project: string, item: Record<string, unknown>): DistributionFile {
  const i = item as unknown as FileItem;
  return {
    project,
    filename: i.filename,
    version: i.version,
    packagetype: i.packagetype,
    sha256: i.sha256,
    size: Number(i.size),
    uploadTime: i.uploadTime,
    ...(i.requiresPython !== undefined ? { requiresPython: i.requiresPython } : {}),
    ...(i.yankedReason !== undefined ? { yanked: { reason: i.yankedReason } } : {}),
    ...(i.metadataSha256 !== undefined ? { metadataSha256: i.metadataSha256 } : {}),
    ...(i.provenanceSha256 !== undefined ? { provenanceSha256: i.provenanceSha256 } : {}),
  };
}

function projectFromItem(project: string, item: Record<string, unknown>): ProjectRecord {
  const status = item.projectStatus;
  const reason = item.projectStatusReason;
  return {
    name: project,
    displayName: String(item.displayName),
    createdAt: String(item.createdAt),
    ...(isProjectStatus(status) && status !== 'active'
      ? { status: { status, ...(typeof reason === 'string' && reason !== '' ? { reason } : {}) } }
      : {}),
  };
}

function tombstoneFromItem(project: string, item: Record<string, unknown>): Tombstone {
  return {
    project,
    filename: String(item.filename),
    sha256: String(item.sha256),
    version: String(item.version),
    deletedAt: String(item.deletedAt),
    deletedBy: String(item.deletedBy),
  };
}

/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_KEYS = 100;
/** Rounds of asking again for what a BatchGetItem left unprocessed, before giving up. */
const BATCH_GET_ATTEMPTS = 8;

/**
 * Where serial raises go instead of straight to the table: `wharf import` gathers them and
 * raises each serial once per batch, after the writes it announces (see `raiseSerials`).
 * The summary shards' counters come as well, and are raised together in one UpdateItem.
 */
export interface SerialRaises {
  add(pk: string): void;
}

export class DynamoDbMetadataStore implements MetadataStore, SweepIndex, FileLookups {
  constructor(
    private readonly doc: DynamoDbDocuments,
    private readonly tableName: string,
    private readonly deferredRaises?: SerialRaises,
  ) {}

  /**
   * The same store, but its serial raises are handed to `raises` rather than sent: the
   * caller raises them later with `raiseSerials`, still after the writes that caused them.
   */
  withSerialRaisesTo(raises: SerialRaises): DynamoDbMetadataStore {
    return new DynamoDbMetadataStore(this.doc, this.tableName, raises);
  }

  /** Raise each of these serials (pk values, as handed to a SerialRaises) once. */
  async raiseSerials(pks: Iterable<string>): Promise<void> {
    const serials: string[] = [];
    const counters: string[] = [];
    for (const pk of new Set(pks)) {
      if (pk.startsWith(SUMMARY_COUNTER_RAISE)) counters.push(pk.slice(SUMMARY_COUNTER_RAISE.length));
      else serials.push(pk);
    }
    await Promise.all([...serials.map((pk) => this.raise(pk)), ...(counters.length > 0 ? [this.raiseSummaryCounters(counters)] : [])]);
  }

  /** The summary shards' counters (s00..s15), all in one UpdateItem of their one item. */
  private async raiseSummaryCounters(counters: readonly string[]): Promise<void> {
    await this.doc.update({
      TableName: this.tableName,
      Key: { pk: SUMMARY_SERIAL_PK, sk: SERIAL_SK },
      UpdateExpression: `ADD ${counters.map((_, i) => `#c${i} :one`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(counters.map((counter, i) => [`#c${i}`, counter])),
      ExpressionAttributeValues: { ':one': 1 },
    });
  }

  /**
   * Index entries and tombstones of many files, and project records, at once: strongly
   * consistent BatchGetItems of up to 100 keys, what single GetItems of each would read.
   */
  async lookupFiles(
    files: readonly { project: string; filename: string }[],
    projects: readonly string[] = [],
  ): Promise<{ files: { file?: DistributionFile; tombstone?: Tombstone }[]; projects: (ProjectRecord | undefined)[] }> {
    const keys = new Map<string, { pk: string; sk: string }>();
    const add = (key: { pk: string; sk: string }) => {
      const id = `${key.pk}\0${key.sk}`;
      keys.set(id, key);
      return id;
    };
    const wanted = files.map(({ project, filename }) => ({
      project,
      file: add({ pk: projectPk(project), sk: fileSk(project, filename) }),
      tombstone: add({ pk: projectPk(project), sk: tombstoneSk(project, filename) }),
    }));
    const records = projects.map((project) => ({ project, record: add({ pk: projectPk(project), sk: PROJECT_SK }) }));
    const found = new Map<string, Record<string, unknown>>();
    const all = [...keys.values()];
    await Promise.all(
      Array.from({ length: Math.ceil(all.length / BATCH_GET_KEYS) }, async (_, i) => {
        let pending: { pk: string; sk: string }[] = all.slice(i * BATCH_GET_KEYS, (i + 1) * BATCH_GET_KEYS);
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt >= BATCH_GET_ATTEMPTS) {
            throw new Error(`DynamoDB left ${pending.length} keys unprocessed after ${BATCH_GET_ATTEMPTS} BatchGetItem attempts (throttled?); try again later.`);
          }
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
          const out = await this.doc.batchGet({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } });
          for (const item of out.Responses[this.tableName] ?? []) found.set(`${String(item['pk'])}\0${String(item['sk'])}`, item);
          // What DynamoDB did not get to this time (throughput, 16 MB) is asked again.
          pending = (out.UnprocessedKeys[this.tableName]?.Keys ?? []) as { pk: string; sk: string }[];
        }
      }),
    );
    return {
      files: wanted.map(({ project, file, tombstone }) => {
        const f = found.get(file);
        const t = found.get(tombstone);
        return { ...(f ? { file: fromItem(project, f) } : {}), ...(t ? { tombstone: tombstoneFromItem(project, t) } : {}) };
      }),
      projects: records.map(({ project, record }) => {
        const item = found.get(record);
        return item ? projectFromItem(project, item) : undefined;
      }),
    };
  }


  async getProjectPage(project: string): Promise<ProjectPageData | undefined> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': projectPk(project) },
      // A file published a moment ago must be on the very next page view.
      ConsistentRead: true,
    });
    let record: ProjectRecord | undefined;
    let serial: number | undefined;
    const files: DistributionFile[] = [];
    const deleted = new Set<string>();
    for (const item of items) {
      const sk = String(item.sk);
      if (sk === PROJECT_SK) {
        record = projectFromItem(project, item);
      } else if (sk === SERIAL_SK) {
        serial = Number(item.serial);
      } else if (sk.startsWith(FILE_SK_PREFIX)) {
        files.push(fromItem(project, item));
      } else if (sk.startsWith(TOMBSTONE_SK_PREFIX)) {
        deleted.add(sk.slice(TOMBSTONE_SK_PREFIX.length));
      }
    }
    const shown =
      deleted.size === 0 ? files : files.filter((f) => !deleted.has(distributionIdentity(f.filename, project)));
    if (!record && shown.length === 0) return undefined;
    return { ...(record ? { project: record } : {}), files: shown, ...(serial !== undefined ? { serial } : {}) };
  }

  async getProjectSerial(project: string): Promise<number | undefined> {
    return this.serialAt(projectPk(project));
  }

  async getListingSerial(): Promise<number | undefined> {
    return this.serialAt(LISTING_SERIAL_PK);
  }

  /**
   * The one read every page view makes, so the leanest: no projection (the item is a few
   * bytes; a projection costs the same read unit and only adds an expression to parse).
   */
  private async serialAt(pk: string): Promise<number | undefined> {
    const { Item } = await this.doc.get({ TableName: this.tableName, Key: { pk, sk: SERIAL_SK }, ConsistentRead: true });
    const serial = Item?.['serial'];
    return serial === undefined ? undefined : Number(serial);
  }

  /** Raise a serial, after the write it announces (or hand it to the deferred raises). */
  private async bump(pk: string): Promise<void> {
    if (this.deferredRaises) this.deferredRaises.add(pk);
    else await this.raise(pk);
  }

  private async raise(pk: string): Promise<void> {
    await this.doc.update({
        TableName: this.tableName,
        Key: { pk, sk: SERIAL_SK },
        UpdateExpression: 'ADD serial :one',
        ExpressionAttributeValues: { ':one': 1 },
      });
  }

  /** The (filename, sha256) of every index entry of a project, tombstoned or not (dynamodb-sweep-index.ts). */
  indexedFiles(project: string): Promise<IndexedPair[]> {
    return new DynamoDbSweepIndex(this.doc, this.tableName).indexedFiles(project);
  }

  async getFile(project: string, filename: string): Promise<DistributionFile | undefined> {
    const { Item } = await this.doc.get({
        TableName: this.tableName,
        Key: { pk: projectPk(project), sk: fileSk(project, filename) },
        ConsistentRead: true,
      });
    return Item ? fromItem(project, Item) : undefined;
  }

  async getProject(project: string): Promise<ProjectRecord | undefined> {
    const { Item } = await this.doc.get({
        TableName: this.tableName,
        Key: { pk: projectPk(project), sk: PROJECT_SK },
        ConsistentRead: true,
      });
    return Item ? projectFromItem(project, Item) : undefined;
  }

  async listProjects(): Promise<ProjectListing[]> {
    const shards = await Promise.all(
      Array.from({ length: LISTING_SHARDS }, (_, shard) =>
        this.queryAll({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': listingPk(shard) },
          ProjectionExpression: 'sk, displayName',
        }),
      ),
    );
    const projects: ProjectListing[] = [];
    for (const items of shards) {
      for (const item of items) {
        projects.push({ name: String(item.sk), displayName: String(item.displayName) });
      }
    }
    return projects.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async putFile(file: DistributionFile): Promise<PutFileOutcome> {
    if (await putIf(this.doc, { TableName: this.tableName, Item: toItem(file) })) {
      await this.bump(projectPk(file.project));
      return 'created';
    }
    const existing = await this.doc.get({
        TableName: this.tableName,
        Key: { pk: projectPk(file.project), sk: fileSk(file.project, file.filename) },
        ConsistentRead: true,
      });
    // Index entries are removed only after their tombstone, which keeps the identity taken.
    if (!existing.Item) throw new Error(`The index entry of ${file.filename} vanished after a conditional Put found it.`);
    return compareWithStored(file.filename, file.sha256, fromItem(file.project, existing.Item));
  }

  async putProject(project: ProjectRecord): Promise<void> {
    await this.putIfAbsent({
      pk: projectPk(project.name),
      sk: PROJECT_SK,
      displayName: project.displayName,
      createdAt: project.createdAt,
    });
    const listed = await this.putIfAbsent({
      pk: listingPk(listingShard(project.name)),
      sk: project.name,
      displayName: project.displayName,
    });
    // Also on a retry: a crash after the writes above and before these would otherwise
    // leave readers holding a page or listing that misses them.
    await this.bump(projectPk(project.name));
    if (listed || !(await this.getListingSerial())) await this.bump(LISTING_SERIAL_PK);
  }

  async setProjectStatus(project: string, marker: ProjectStatusMarker): Promise<ProjectRecord | undefined> {
    const updated = await updateIf(this.doc, {
      TableName: this.tableName,
      Key: { pk: projectPk(project), sk: PROJECT_SK },
      // Without the condition an update of a missing item would create a half record.
      ConditionExpression: 'attribute_exists(pk)',
      ...(marker.status === 'active'
        ? { UpdateExpression: 'REMOVE projectStatus, projectStatusReason' }
        : marker.reason === undefined
          ? { UpdateExpression: 'SET projectStatus = :status REMOVE projectStatusReason', ExpressionAttributeValues: { ':status': marker.status } }
          : {
              UpdateExpression: 'SET projectStatus = :status, projectStatusReason = :reason',
              ExpressionAttributeValues: { ':status': marker.status, ':reason': marker.reason },
            }),
    });
    if (!updated) return undefined;
    // After the write, as every change to a page: kept pages see the status on the next request.
    await this.bump(projectPk(project));
    return projectFromItem(project, updated);
  }

  async setYanked(
    project: string,
    filename: string,
    yanked: { readonly reason: string } | undefined,
  ): Promise<DistributionFile | undefined> {
    const updated = await updateIf(this.doc, {
      TableName: this.tableName,
      Key: { pk: projectPk(project), sk: fileSk(project, filename) },
      // Without the condition an update of a missing item would create one.
      ConditionExpression: 'attribute_exists(pk)',
      ...(yanked === undefined
        ? { UpdateExpression: 'REMOVE yankedReason' }
        : { UpdateExpression: 'SET yankedReason = :reason', ExpressionAttributeValues: { ':reason': yanked.reason } }),
    });
    if (!updated) return undefined;
    await this.bump(projectPk(project));
    return fromItem(project, updated);
  }

  async deleteFile(project: string, filename: string): Promise<void> {
    await this.doc.delete({ TableName: this.tableName, Key: { pk: projectPk(project), sk: fileSk(project, filename) } });
    await this.bump(projectPk(project));
  }

  async putTombstone(tombstone: Tombstone): Promise<Tombstone> {
    const created = await this.putIfAbsent({
      pk: projectPk(tombstone.project),
      sk: tombstoneSk(tombstone.project, tombstone.filename),
      filename: tombstone.filename,
      sha256: tombstone.sha256,
      version: tombstone.version,
      deletedAt: tombstone.deletedAt,
      deletedBy: tombstone.deletedBy,
    });
    // A retry raises it again: the tombstone may be all that a crash left of a delete.
    await this.bump(projectPk(tombstone.project));
    if (created) return tombstone;
    const stored = await this.getTombstone(tombstone.project, tombstone.filename);
    // Tombstones are never removed, so one that made the Put fail is there to read.
    if (!stored) throw new Error(`The tombstone of ${tombstone.filename} vanished after a conditional Put found it.`);
    return stored;
  }

  async getTombstone(project: string, filename: string): Promise<Tombstone | undefined> {
    const { Item } = await this.doc.get({
        TableName: this.tableName,
        Key: { pk: projectPk(project), sk: tombstoneSk(project, filename) },
        ConsistentRead: true,
      });
    return Item ? tombstoneFromItem(project, Item) : undefined;
  }

  async listTombstones(project: string): Promise<Tombstone[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': projectPk(project), ':prefix': TOMBSTONE_SK_PREFIX },
      ConsistentRead: true,
    });
    return items.map((item) => tombstoneFromItem(project, item));
  }

  async putRelease(release: ReleaseRecord): Promise<void> {
    await this.putIfAbsent({
      pk: releasePk(release.project),
      sk: releaseVersionKey(release.version),
      version: release.version,
      createdAt: release.createdAt,
      metadata: release.metadata,
    });
  }

  async getRelease(project: string, version: string): Promise<ReleaseRecord | undefined> {
    const { Item } = await this.doc.get({
        TableName: this.tableName,
        Key: { pk: releasePk(project), sk: releaseVersionKey(version) },
        ConsistentRead: true,
      });
    if (!Item) return undefined;
    return {
      project,
      version: String(Item.version),
      createdAt: String(Item.createdAt),
      metadata: Item.metadata as ReleaseMetadata,
    };
  }

  async putProjectSummary(summary: ProjectSummary): Promise<boolean> {
    const shard = listingShard(summary.name);
    const written = await putIf(this.doc, {
      TableName: this.tableName,
      Item: summaryItem(summary),
      // Equal serials may overwrite: a retry after a crash repairs the summary it computes.
      ConditionExpression: 'attribute_not_exists(pk) OR #serial <= :serial',
      ExpressionAttributeNames: { '#serial': 'n' },
      ExpressionAttributeValues: { ':serial': summary.serial },
    });
    if (written) {
      if (this.deferredRaises) this.deferredRaises.add(`${SUMMARY_COUNTER_RAISE}${summaryCounter(shard)}`);
      else await this.raiseSummaryCounters([summaryCounter(shard)]);
    }
    return written;
  }

  async getSummarySerials(): Promise<readonly number[]> {
    const { Item } = await this.doc.get({ TableName: this.tableName, Key: { pk: SUMMARY_SERIAL_PK, sk: SERIAL_SK }, ConsistentRead: true });
    return Array.from({ length: LISTING_SHARDS }, (_, shard) => Number(Item?.[summaryCounter(shard)] ?? 0));
  }

  async listProjectSummaries(shard: number): Promise<ProjectSummary[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': summaryPk(shard) },
      // Kept until the shard's counter moves again: it must hold what the counter announced.
      ConsistentRead: true,
    });
    return items.map(summaryFromItem);
  }

  /** Put `item` unless its key exists; whether it was written. */
  private putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    return putIf(this.doc, { TableName: this.tableName, Item: item });
  }

  private queryAll(input: QueryInput): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, input);
  }
}
