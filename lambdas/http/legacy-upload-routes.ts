/**
 * The legacy upload API (`POST /legacy/`), as twine, poetry and uv speak it: one
 * multipart/form-data request per file, Basic auth with `__token__`.
 *
 * Order: who is asking (401 before the body is even parsed), the form, the scope for the
 * project the form names (403), every check of the file and its metadata (400), the
 * scope to create a project when it is new (403), then the ingest: blobs, `.metadata`, the
 * conditional index item, release and project records. The same file again is a 200, so
 * twine's retries and re-runs are safe.
 */
import type { AccessGuard } from '../app/access-guard.ts';
import type { Ingest } from '../app/ingest.ts';
import { PayloadTooLargeError } from '../core/errors.ts';
import { validateUpload } from '../core/legacy-upload.ts';
import { normalizeName } from '../core/names.ts';
import type { UploadRights } from '../app/upload-rights.ts';
import { verifyAttestations, type AttestationCheck } from '../app/attestation-check.ts';
import { parseAttestations } from '../core/attestations.ts';
import { errorResponse, type ErrorLogger } from './error-map.ts';
import { parseUploadForm } from './multipart.ts';
import { textResponse } from './responses.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';

export interface LegacyUploadDeps {
  readonly guard: AccessGuard;
  /** Verifies PEP 740 attestations; absent, an upload that carries some is refused. */
  readonly attestations?: AttestationCheck;
  readonly ingest: Ingest;
  readonly rights: UploadRights;
  /** Largest distribution file taken through this API. */
  readonly maxUploadBytes: number;
  readonly logger: ErrorLogger & { info(message: string, extra: Record<string, unknown>): void };
}

/** Room for the form's other fields (core metadata, description) next to the file. */
const FORM_OVERHEAD_BYTES = 1024 * 1024;

export function largeFileHint(maxUploadBytes: number): string {
  return (
    `Files over ${maxUploadBytes} bytes cannot go through the upload API: API Gateway and Lambda ` +
    `take about 4.7 MB per request once the file is base64-encoded. Publish larger files (up to 5 GB) ` +
    `with \`wharf publish --url <index URL> <files>\` (npm run wharf -- publish), which sends the bytes ` +
    `straight to S3 through the Upload 2.0 API (PEP 694, POST /upload/2.0/; its mechanism vnd-wharf-s3multipart-presigned).`
  );
}

export function createLegacyUploadRoute(deps: LegacyUploadDeps): RouteHandler {
  const hint = largeFileHint(deps.maxUploadBytes);

  async function upload(request: HttpRequest): Promise<HttpResponse> {
    const body = request.body ?? new Uint8Array();
    const principal = await deps.guard.authenticate(request.headers['authorization'], { kind: 'upload', project: '*' });
    if (body.byteLength > deps.maxUploadBytes + FORM_OVERHEAD_BYTES) {
      throw new PayloadTooLargeError(`The upload is ${body.byteLength} bytes. ${hint}`);
    }
    const form = await parseUploadForm(request.headers['content-type'], body, { maxFileBytes: deps.maxUploadBytes }, { tooLargeHint: hint });
    const name = form.fields.get('name')?.[0];
    // Scope first, on the name the form gives: a caller without upload scope for it learns
    // nothing about the file, the project or whether it exists.
    if (name !== undefined && name.trim() !== '') {
      deps.guard.require(principal, { kind: 'upload', project: normalizeName(name.trim()) });
    }
    const upload = await validateUpload(form.fields, form.file);
    const project = upload.distribution.normalizedName;
    deps.guard.require(principal, { kind: 'upload', project });
    await deps.rights.requireCreateIfNew(principal, project);
    // PEP 740: every attestation verified before anything is stored; one that fails refuses the upload.
    const provenance =
      upload.fields.attestations === undefined
        ? undefined
        : await verifyAttestations(deps.attestations, { project, filename: upload.filename, sha256: upload.digests.sha256 }, parseAttestations(upload.fields.attestations));
    const result = await deps.ingest.ingest(upload.filename, upload.bytes, {
      inspected: upload.distribution,
      release: upload.release,
      sha256: upload.digests.sha256,
      ...(provenance ? { provenance } : {}),
    });
    deps.logger.info('upload', {
      upload: {
        tokenId: principal.tokenId,
        project,
        filename: upload.filename,
        outcome: result.outcome,
        size: upload.bytes.byteLength,
        attestations: provenance ? provenance.attestation_bundles.reduce((n, b) => n + b.attestations.length, 0) : 0,
      },
    });
    const warning = form.gpgSignatureDiscarded ? ' The GPG signature was ignored: indexes no longer keep them.' : '';
    return textResponse(
      200,
      result.outcome === 'created'
        ? `OK: ${upload.filename} is published.${warning}`
        : `OK: ${upload.filename} was already published with these exact bytes; nothing changed.${warning}`,
    );
  }

  return async (request) => {
    try {
      return await upload(request);
    } catch (err) {
      return errorResponse(err, deps.logger);
    }
  };
}
