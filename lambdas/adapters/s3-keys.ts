/**
 * Keys as S3 reads them in a URL path and in x-amz-copy-source. S3 percent-decodes both, so
 * every byte outside RFC 3986's unreserved set is encoded, `+` (a local version,
 * torch-2.13.0+cpu) included, as the AWS SDKs and botocore encode it; a key's slashes stay.
 */

/** RFC 3986 percent-encoding of one path segment or query component, as S3 expects. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A key as a URL path: each segment encoded, the slashes kept. */
export function keyPath(key: string): string {
  return key.split('/').map(rfc3986).join('/');
}

/** The x-amz-copy-source of a CopyObject: `{bucket}/{key}`. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${keyPath(key)}`;
}
