/**
 * What the index keeps about a release: the archive's core metadata as plain JSON, with
 * the description cut and the whole bounded so that a release record fits a DynamoDB item.
 */
import type { CoreMetadata } from './core-metadata.ts';
import { InvalidInputError } from './errors.ts';

const KiB = 1024;
const utf8 = new TextEncoder();

export const RELEASE_METADATA_LIMITS = Object.freeze({
  /**
   * A DynamoDB item holds at most 400 KB, and a release record must also fit its keys
   * and file list. Long READMEs are common (some carry a whole changelog), so the
   * description is cut rather than refused; the full text stays in the stored
   * METADATA (PEP 658) for wheels and in the archive for everything.
   */
  maxDescriptionBytes: 64 * KiB,
  /**
   * Everything else together. Real metadata stays far below (a full license text is
   * ~35 KB; a few hundred classifiers ~20 KB); more means a broken or hostile build,
   * which is refused rather than silently cut.
   */
  maxTotalBytes: 256 * KiB,
});

export interface ProjectUrl {
  readonly label: string;
  readonly url: string;
}

/** A release's metadata as the index keeps it: plain JSON, snake_case as in PyPI's JSON API. */
export interface ReleaseMetadata {
  readonly metadata_version: string;
  readonly summary?: string;
  /** At most maxDescriptionBytes of UTF-8, cut at a character boundary. */
  readonly description?: string;
  /** Present (true) when the description was cut. */
  readonly description_truncated?: true;
  /** The UTF-8 size of the whole description, present when it was cut. */
  readonly description_bytes?: number;
  readonly description_content_type?: string;
  readonly requires_python?: string;
  readonly requires_dist: readonly string[];
  readonly author?: string;
  readonly author_email?: string;
  readonly maintainer?: string;
  readonly maintainer_email?: string;
  readonly license?: string;
  /** SPDX expression (Metadata-Version 2.4, PEP 639). */
  readonly license_expression?: string;
  readonly license_files: readonly string[];
  readonly classifiers: readonly string[];
  /** `Project-URL: label, url` pairs in file order. */
  readonly project_urls: readonly ProjectUrl[];
  readonly home_page?: string;
  readonly download_url?: string;
  readonly keywords?: string;
  readonly provides_extra: readonly string[];
  readonly dynamic: readonly string[];
  /** PEP 794 (Metadata-Version 2.5) `Import-Name` values, when the metadata gives any. */
  readonly import_names?: readonly string[];
  /** PEP 794 `Import-Namespace` values, when the metadata gives any. */
  readonly import_namespaces?: readonly string[];
}

/** A `Project-URL` value split as packaging does: at the first comma, both parts trimmed. */
function projectUrl(value: string): ProjectUrl {
  const comma = value.indexOf(',');
  return comma === -1 ? { label: value.trim(), url: '' } : { label: value.slice(0, comma).trim(), url: value.slice(comma + 1).trim() };
}

/** The UTF-8 bytes `encoded` cut to at most `maxBytes`, never inside a character, as a string. */
function truncateUtf8(encoded: Uint8Array, maxBytes: number): string {
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so that the cut falls before a character's first byte.
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(encoded.subarray(0, end));
}

/** Absent, empty or distutils' `UNKNOWN` placeholder: nothing worth keeping. */
function isBlank(value: string | undefined): value is undefined {
  return value === undefined || value.trim() === '' || value.trim() === 'UNKNOWN';
}

/**
 * What the index keeps about a release, from the archive's core metadata. Single-valued
 * fields that are absent, empty or `UNKNOWN` (what distutils wrote for anything setup()
 * was not given) are left out. The description is cut to maxDescriptionBytes; if the
 * whole still exceeds maxTotalBytes, throws InvalidInputError naming the largest field.
 */
export function releaseMetadataOf(
  metadata: CoreMetadata,
  limits: Partial<typeof RELEASE_METADATA_LIMITS> = {},
): ReleaseMetadata {
  const { maxDescriptionBytes, maxTotalBytes } = { ...RELEASE_METADATA_LIMITS, ...limits };
  const out: Record<string, unknown> = { metadata_version: metadata.metadataVersion };
  const put = (key: keyof ReleaseMetadata, value: string | undefined): void => {
    if (!isBlank(value)) out[key] = value;
  };

  put('summary', metadata.summary);
  if (!isBlank(metadata.description)) {
    const encoded = utf8.encode(metadata.description);
    if (encoded.byteLength <= maxDescriptionBytes) {
      out['description'] = metadata.description;
    } else {
      out['description'] = truncateUtf8(encoded, maxDescriptionBytes);
      out['description_truncated'] = true;
      out['description_bytes'] = encoded.byteLength;
    }
  }
  put('description_content_type', metadata.descriptionContentType);
  put('requires_python', metadata.requiresPython);
  out['requires_dist'] = [...metadata.requiresDist];
  put('author', metadata.author);
  put('author_email', metadata.authorEmail);
  put('maintainer', metadata.maintainer);
  put('maintainer_email', metadata.maintainerEmail);
  put('license', metadata.license);
  put('license_expression', metadata.licenseExpression);
  out['license_files'] = [...metadata.licenseFiles];
  out['classifiers'] = [...metadata.classifiers];
  out['project_urls'] = metadata.projectUrls.map(projectUrl);
  put('home_page', metadata.homePage);
  put('download_url', metadata.downloadUrl);
  put('keywords', metadata.keywords);
  out['provides_extra'] = [...metadata.providesExtra];
  out['dynamic'] = [...metadata.dynamic];
  if (metadata.importNames.length > 0) out['import_names'] = [...metadata.importNames];
  if (metadata.importNamespaces.length > 0) out['import_namespaces'] = [...metadata.importNamespaces];
  const release = out as unknown as ReleaseMetadata;

  const size = utf8.encode(JSON.stringify(release)).byteLength;
  if (size > maxTotalBytes) {
    const [largest, largestBytes] = Object.entries(release)
      .map(([key, value]) => [key, utf8.encode(JSON.stringify(value)).byteLength] as const)
      .reduce((a, b) => (b[1] > a[1] ? b : a));
    throw new InvalidInputError(
      `The metadata of ${metadata.name} ${metadata.version} takes ${size} bytes even with the description cut to ${maxDescriptionBytes} bytes, more than the ${maxTotalBytes} this index keeps for a release; the largest field is ${largest} (${largestBytes} bytes). Check what the build put into the metadata.`,
    );
  }
  return release;
}
