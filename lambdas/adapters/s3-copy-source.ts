/**
 * The x-amz-copy-source of a CopyObject: `{bucket}/{key}`, URL-encoded as S3 requires.
 * S3 percent-decodes the whole value, so every byte outside RFC 3986's unreserved set is
 * encoded, `+` (a local version, torch-2.13.0+cpu) included, as botocore encodes it; only
 * the key's slashes stay as they are.
 */
export function copySource(bucket: string, key: string): string {
  const encode = (segment: string) =>
    encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${bucket}/${key.split('/').map(encode).join('/')}`;
}
