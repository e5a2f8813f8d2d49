/**
 * Routes of the downloads: `/files/{project}/{sha256}/{filename}` (Wharf's own files and
 * their `.metadata`) and `/upstream/...` (cache mode's copies of upstream files), each a
 * 302 to a presigned S3 URL (or, while a copy runs, to the upstream). A file of a
 * quarantined project (PEP 792) is refused with 403: one GetItem of the project record.
 */
import { isNormalizedName } from '../core/names.ts';
import { downloadRefusal, servesFiles } from '../core/project-status.ts';
import { isDownloadFilename, isSha256Hex } from '../core/storage-keys.ts';
import { versionsEqual } from '../core/versions.ts';
import { isUpstreamFilename } from '../core/upstream.ts';
import type { Downloads } from '../app/downloads.ts';
import type { SimpleIndex } from '../app/simple-index.ts';
import type { UpstreamIndex } from '../app/upstream-index.ts';
import { redirectResponse, textResponse } from './responses.ts';
import type { HttpResponse } from './types.ts';
import { NO_METRICS, type Metrics } from '../app/metrics-ports.ts';

export interface DownloadRoutesDeps {
  readonly downloads: Downloads;
  /** Asked whether Wharf hosts a project: its files never come from the upstream. */
  readonly simpleIndex: SimpleIndex;
  /**
   * Cache-Control of `.metadata` served inline: immutable (the URL holds the file's sha256),
   * `public` only where anyone may read the index, so no shared cache keeps a private file.
   * @default 'private, max-age=31536000, immutable'
   */
  readonly metadataCacheControl?: string;
  /** Cache mode serves `/upstream/` downloads; absent or any other mode, they are 404. */
  readonly upstream?: UpstreamIndex;
  /** Counts DownloadsRedirected. @default NO_METRICS */
  readonly metrics?: Metrics;
}

export interface DownloadRoutes {
  /** `/files/` + these segments. */
  files(segments: readonly string[]): Promise<HttpResponse>;
  /** `/integrity/` + these segments: `{project}/{version}/{filename}/provenance` (PEP 740), with this Cache-Control. */
  provenance(segments: readonly string[], cacheControl: string): Promise<HttpResponse>;
  /** `/upstream/` + these segments. */
  upstream(segments: readonly string[]): Promise<HttpResponse>;
}

export function createDownloadRoutes(deps: DownloadRoutesDeps): DownloadRoutes {
  const metrics = deps.metrics ?? NO_METRICS;
  const redirected = (response: HttpResponse): HttpResponse => {
    metrics.add('DownloadsRedirected', 1, {});
    return response;
  };
  async function files(segments: readonly string[]): Promise<HttpResponse> {
    const [projectName = '', sha256 = '', filename = ''] = segments;
    if (
      segments.length !== 3 ||
      !isNormalizedName(projectName) ||
      !isSha256Hex(sha256) ||
      !isDownloadFilename(filename)
    ) {
      return textResponse(404, 'No such file: download URLs look like /files/{project}/{sha256}/{filename}.');
    }
    // PEP 792: none of a quarantined project's files is served, whatever URL a client kept.
    const status = await deps.simpleIndex.projectStatus(projectName);
    if (status && !servesFiles(status)) {
      const refusal = downloadRefusal(projectName, status);
      return { ...textResponse(403, refusal.message, { 'cache-control': 'no-store' }), refusal: 'project-status' };
    }
    if (filename.endsWith('.metadata')) {
      const answer = await deps.downloads.metadata({ project: projectName, sha256, filename });
      if (answer.kind === 'missing') return textResponse(404, `No such file: ${filename}.`);
      if (answer.kind === 'inline') {
        return {
          status: 200,
          headers: {
            'content-type': 'text/plain; charset=utf-8',
            'cache-control': deps.metadataCacheControl ?? 'private, max-age=31536000, immutable',
          },
          body: answer.body,
        };
      }
      return redirectResponse(302, answer.url, { 'cache-control': 'no-store' });
    }
    const url = await deps.downloads.presignedUrl({ project: projectName, sha256, filename });
    // The redirect itself is not cached: the presigned URL it names expires.
    return redirected(redirectResponse(302, url, { 'cache-control': 'no-store' }));
  }

  async function provenance(segments: readonly string[], cacheControl: string): Promise<HttpResponse> {
    const [projectName = '', version = '', filename = '', last] = segments;
    const usage = 'provenance URLs look like /integrity/{project}/{version}/{filename}/provenance, as the project page gives them';
    if (segments.length !== 4 || last !== 'provenance' || !isNormalizedName(projectName) || !isDownloadFilename(filename) || filename.endsWith('.metadata')) {
      return textResponse(404, `No such provenance: ${usage}.`);
    }
    const kept = await deps.simpleIndex.keptProject(projectName);
    const status = kept?.hosted.status;
    if (status && !servesFiles(status)) return { ...textResponse(403, downloadRefusal(projectName, status).message, { 'cache-control': 'no-store' }), refusal: 'project-status' };
    const file = kept?.hosted.files.find((f) => f.filename === filename && versionsEqual(f.version, version));
    if (!file) return textResponse(404, `No such file: ${projectName} ${version} has no ${filename}; ${usage}.`);
    if (!file.provenanceSha256) {
      return textResponse(404, `${filename} was published without attestations (PEP 740), so it has no provenance.`);
    }
    const answer = await deps.downloads.provenance(projectName, file.sha256, file.filename, file.provenanceSha256);
    if (answer.kind === 'missing') return textResponse(404, `The provenance of ${filename} is missing from storage.`);
    if (answer.kind === 'redirect') return redirectResponse(302, answer.url, { 'cache-control': 'no-store' });
    return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': cacheControl }, body: answer.body };
  }

  async function upstream(segments: readonly string[]): Promise<HttpResponse> {
    const [projectName = '', sha256 = '', filename = ''] = segments;
    const index = deps.upstream;
    const distribution = filename.endsWith('.metadata') ? filename.slice(0, -'.metadata'.length) : filename;
    if (
      index?.mode !== 'cache' ||
      segments.length !== 3 ||
      !isNormalizedName(projectName) ||
      !isSha256Hex(sha256) ||
      !isUpstreamFilename(distribution)
    ) {
      return textResponse(404, 'No such file: upstream download URLs look like /upstream/{project}/{sha256}/{filename}, and exist in cache mode only.');
    }
    if (index.isReserved(projectName) || (await deps.simpleIndex.hosts(projectName))) {
      return textResponse(404, `No such file: "${projectName}" is served from this index only, never from the upstream.`);
    }
    // An UpstreamFailure goes on to the error table: 502 or 504 with its message.
    const target = await index.download(projectName, sha256, filename);
    if (target.kind === 'upstream') {
      return redirected(redirectResponse(302, target.url, { 'cache-control': 'no-store', 'x-wharf-upstream': 'copying' }));
    }
    const url = await deps.downloads.presignedKey(target.key);
    return redirected(redirectResponse(302, url, { 'cache-control': 'no-store' }));
  }

  return { files, provenance, upstream };
}
