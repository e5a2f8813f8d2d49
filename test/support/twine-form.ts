/**
 * The `multipart/form-data` body twine sends for one wheel (`:action=file_upload`, the
 * identity fields and its sha256), for tests and benches that publish through POST /legacy/.
 */
import { createHash } from 'node:crypto';
import { buildWheel, wheelFilename } from './dist-builder.ts';

/** A form for `bytes` under `filename`, naming `name` and `version` as twine would. */
export function twineForm(name: string, version: string, bytes: Uint8Array, filename: string): FormData {
  const form = new FormData();
  const fields: Record<string, string> = {
    ':action': 'file_upload',
    protocol_version: '1',
    name,
    version,
    filetype: 'bdist_wheel',
    pyversion: 'py3',
    metadata_version: '2.1',
    sha256_digest: createHash('sha256').update(bytes).digest('hex'),
  };
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('content', new Blob([bytes]), filename);
  return form;
}

/** The form of a freshly built wheel of `name` `version`. */
export function twineWheelForm(name: string, version: string): FormData {
  const options = { name, version };
  return twineForm(name, version, buildWheel(options), wheelFilename(options));
}
