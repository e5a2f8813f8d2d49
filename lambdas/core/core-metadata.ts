/**
 * Core metadata (a wheel's METADATA, an sdist's PKG-INFO): the email-header format of
 * the core metadata specification, Metadata-Version 1.0 to 2.5 (and later 2.x minors).
 *
 * Parsing mirrors what Python's `email` parser (compat32 policy, as packaging and
 * importlib.metadata use it) does with these files: header names are case-insensitive,
 * lines that begin with whitespace continue the previous header, the first empty line
 * (or the first line that is not a header) ends the headers, and the rest is the body.
 */
import { InvalidInputError } from './errors.ts';
import { isValidName } from './names.ts';
import { RequirementSyntaxError, checkRequirement, isValidIdentifier, isValidSpecifierSet } from './requirements.ts';
import { isValidVersion } from './versions.ts';

/**
 * The versions this index knows. 2.0 was never a published standard, but early `wheel`
 * releases wrote it and such wheels are still mirrored. 2.5 is PEP 794 (`Import-Name`,
 * `Import-Namespace`).
 */
export const KNOWN_METADATA_VERSIONS = ['1.0', '1.1', '1.2', '2.0', '2.1', '2.2', '2.3', '2.4', '2.5'] as const;
export const NEWEST_METADATA_VERSION = '2.5';
const NEWEST_MAJOR = 2;
const NEWEST_MINOR = 5;
const METADATA_VERSION = /^([0-9]+)\.([0-9]+)$/;

/**
 * Checks a Metadata-Version and returns it as given. The core metadata specification asks
 * consumers to accept a newer minor version (read as the newest one known: a minor
 * version only adds fields) and to refuse a newer major one. A 2.x above 2.5 is therefore
 * accepted; 3.0 is refused, and so is anything that is not a version this index knows.
 * `what` names the value in the message (a field or a file).
 */
export function checkMetadataVersion(version: string, what: string): string {
  const shown = JSON.stringify(version.length > 20 ? `${version.slice(0, 20)}...` : version);
  const match = METADATA_VERSION.exec(version);
  if (match) {
    const major = Number(match[1]);
    const minor = Number(match[2]);
    if ((KNOWN_METADATA_VERSIONS as readonly string[]).includes(version)) return version;
    if (major === NEWEST_MAJOR && minor > NEWEST_MINOR) return version;
    if (major > NEWEST_MAJOR) {
      throw new InvalidInputError(
        `${what} gives Metadata-Version ${shown}, a newer major version than this index understands (it reads 1.0 to ${NEWEST_METADATA_VERSION} and later 2.x). Build the distribution with Metadata-Version ${NEWEST_METADATA_VERSION} or earlier, or upgrade Wharf.`,
      );
    }
  }
  throw new InvalidInputError(
    `${what} gives Metadata-Version ${shown}, which is not a core metadata version: use one of ${KNOWN_METADATA_VERSIONS.join(', ')} (a later 2.x is read as ${NEWEST_METADATA_VERSION}).`,
  );
}

/** Fields the specification allows to occur more than once (lower-cased). */
export const MULTI_USE_FIELDS: ReadonlySet<string> = new Set([
  'classifier',
  'dynamic',
  'import-name',
  'import-namespace',
  'license-file',
  'obsoletes',
  'obsoletes-dist',
  'platform',
  'project-url',
  'provides',
  'provides-dist',
  'provides-extra',
  'requires',
  'requires-dist',
  'requires-external',
  'supported-platform',
]);

/** Fields whose line breaks are content, written with the 8-column `       |` indent. */
const MULTI_LINE = new Set(['description', 'license']);

/** Fields that identify the distribution: PEP 643 forbids them in Dynamic, and they must not repeat. */
const IDENTITY_FIELDS = new Map([
  ['metadata-version', 'Metadata-Version'],
  ['name', 'Name'],
  ['version', 'Version'],
]);

export interface CoreMetadata {
  readonly metadataVersion: string;
  /** The name as the metadata spells it (valid, not normalized). */
  readonly name: string;
  /** The version as the metadata spells it (valid PEP 440, not normalized). */
  readonly version: string;
  readonly summary?: string;
  /** The message body when there is one, else the Description header. */
  readonly description?: string;
  readonly descriptionContentType?: string;
  readonly keywords?: string;
  readonly homePage?: string;
  readonly downloadUrl?: string;
  readonly author?: string;
  readonly authorEmail?: string;
  readonly maintainer?: string;
  readonly maintainerEmail?: string;
  readonly license?: string;
  readonly licenseExpression?: string;
  readonly licenseFiles: readonly string[];
  readonly classifiers: readonly string[];
  readonly platforms: readonly string[];
  readonly supportedPlatforms: readonly string[];
  readonly requiresPython?: string;
  readonly requiresDist: readonly string[];
  readonly requiresExternal: readonly string[];
  /** `label, url` pairs as written. */
  readonly projectUrls: readonly string[];
  readonly providesExtra: readonly string[];
  readonly providesDist: readonly string[];
  readonly obsoletesDist: readonly string[];
  /**
   * PEP 794 (Metadata-Version 2.5): the importable names the distribution provides, as
   * written (`name` or `name; private`). A lone empty `Import-Name:` says it provides none,
   * and reads as one empty string.
   */
  readonly importNames: readonly string[];
  /** PEP 794: namespace packages the distribution contributes to, as written. */
  readonly importNamespaces: readonly string[];
  /** Field names (as written) that the build backend may fill in later (PEP 643). */
  readonly dynamic: readonly string[];
  /** Every header by lower-cased name, values in file order (single-use fields too). */
  readonly fields: ReadonlyMap<string, readonly string[]>;
}

const HEADER = /^([!-9;-~]+):(.*)$/;
// ignoreBOM: true keeps a BOM in the text, so that it is seen and refused below.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decode(input: Uint8Array | string, source: string): string {
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8.decode(input);
  } catch {
    throw new InvalidInputError(
      `${source} is not valid UTF-8 (it has bytes that do not decode). Core metadata files must be UTF-8 encoded: rebuild the distribution with a current build backend.`,
    );
  }
  if (text.startsWith('\uFEFF')) {
    // Python's email parser then reads "\ufeffMetadata-Version" as the first header's name,
    // and pip 23.2+ refuses the file (BadMetadata).
    throw new InvalidInputError(
      `${source} starts with a UTF-8 byte order mark (BOM), which pip 23.2 and later refuse as bad metadata. Rebuild the distribution so the file is UTF-8 without a BOM.`,
    );
  }
  return text;
}

const shorten = (value: string) => JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}...` : value);

/**
 * The fields pip parses with `packaging` and fails on: each Requires-Dist a PEP 508
 * requirement (InvalidRequirement), Requires-Python a PEP 440 specifier set
 * (InvalidSpecifier), each Provides-Extra a valid name.
 */
function checkDependencyFields(fields: ReadonlyMap<string, readonly string[]>, source: string): void {
  for (const value of fields.get('requires-dist') ?? []) {
    try {
      checkRequirement(value);
    } catch (error) {
      if (!(error instanceof RequirementSyntaxError)) throw error;
      throw new InvalidInputError(
        `${source} has Requires-Dist ${shorten(value)}, which is not a valid PEP 508 requirement (${error.message}); pip would fail on it with InvalidRequirement. Fix the dependency (e.g. "requests>=2.31; python_version >= '3.8'") and rebuild.`,
      );
    }
  }
  for (const value of fields.get('requires-python') ?? []) {
    if (!isValidSpecifierSet(value)) {
      throw new InvalidInputError(
        `${source} has Requires-Python ${shorten(value)}, which is not a valid PEP 440 version specifier; pip cannot use it. Give one such as ">=3.9" or ">=3.9, <4" (no ".*" after >=) and rebuild.`,
      );
    }
  }
  for (const value of fields.get('provides-extra') ?? []) {
    if (!isValidIdentifier(value)) {
      throw new InvalidInputError(
        `${source} has Provides-Extra ${shorten(value)}, which is not a valid extra name: use ASCII letters, digits, "-", "_" and ".", starting and ending with a letter or digit, and rebuild.`,
      );
    }
  }
}

/** Removes the continuation indent: `       |` (the spec's convention), 8 spaces (distutils), or any. */
function deindent(line: string): string {
  if (line.startsWith('       |')) return line.slice(8);
  if (line.startsWith('        ')) return line.slice(8);
  return line.trimStart();
}

function assemble(name: string, first: string, continuations: readonly string[]): string {
  if (continuations.length === 0) return first.trim();
  if (MULTI_LINE.has(name)) return [first.trim(), ...continuations.map(deindent)].join('\n').trimEnd();
  // RFC 5322 unfolding: drop the line break, keep the whitespace that followed it.
  return (first + continuations.join('')).trim();
}

/** Splits the text into headers and body (undefined when there is no body). */
function splitMessage(text: string, source: string): { headers: [string, string][]; body?: string } {
  const normalized = text.replace(/\r\n?/g, '\n');
  const headers: [string, string][] = [];
  let current: { name: string; first: string; continuations: string[] } | undefined;
  const flush = (): void => {
    if (current) headers.push([current.name, assemble(current.name, current.first, current.continuations)]);
    current = undefined;
  };
  // Walk the header lines only; the body (often most of the file) is sliced off whole.
  let bodyStart = normalized.length;
  for (let pos = 0; pos < normalized.length; ) {
    const newline = normalized.indexOf('\n', pos);
    const end = newline === -1 ? normalized.length : newline;
    const next = newline === -1 ? normalized.length : newline + 1;
    const line = normalized.slice(pos, end);
    if (line === '') {
      bodyStart = next;
      break;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!current) {
        throw new InvalidInputError(
          `${source} is not valid core metadata: its first line is indented. It must start with "Metadata-Version: ...".`,
        );
      }
      current.continuations.push(line);
      pos = next;
      continue;
    }
    const match = HEADER.exec(line);
    if (!match) {
      bodyStart = pos; // Like Python's email parser: a non-header line starts the body.
      break;
    }
    flush();
    current = { name: match[1]!.toLowerCase(), first: match[2]!, continuations: [] };
    pos = next;
  }
  flush();
  const rest = normalized.slice(bodyStart);
  return rest.trim() === '' ? { headers } : { headers, body: rest };
}

/** Whether metadata version `version` (e.g. "2.1") is at least `min` (e.g. "2.2"). */
export function isMetadataVersionAtLeast(version: string, min: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor = 0, minMinor = 0] = min.split('.').map(Number);
  return major !== minMajor ? major > minMajor : minor >= minMinor;
}

// A dotted path of Python identifiers (PEP 3131 letters, digits and `_`), optionally `; private`.
const IMPORT_NAME = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*(?:\.[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)*$/u;

/**
 * PEP 794: each value is an importable dotted name, optionally followed by `; private`;
 * `Import-Name` may instead be given once, empty, to say that nothing is importable.
 */
function checkImportNames(values: readonly string[], field: string, source: string): string[] {
  if (field === 'Import-Name' && values.length === 1 && values[0] === '') return [''];
  for (const value of values) {
    const [name = '', ...modifiers] = value.split(';').map((part) => part.trim());
    const badModifier = modifiers.length > 1 || (modifiers.length === 1 && modifiers[0] !== 'private');
    if (!IMPORT_NAME.test(name) || badModifier) {
      throw new InvalidInputError(
        `${source} has ${field} ${JSON.stringify(value)}, which is not an import name (PEP 794): give a dotted Python name such as "pkg.sub", optionally followed by "; private".`,
      );
    }
  }
  return [...values];
}

/**
 * Parses and validates core metadata. `source` names the file in error messages.
 * Throws InvalidInputError when Metadata-Version, Name or Version is missing or invalid.
 */
export function parseCoreMetadata(input: Uint8Array | string, source = 'The core metadata'): CoreMetadata {
  const { headers, body } = splitMessage(decode(input, source), source);
  const fields = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const values = fields.get(name);
    if (values) values.push(value);
    else fields.set(name, [value]);
  }

  const all = (name: string): string[] => fields.get(name) ?? [];
  const one = (name: string): string | undefined => {
    const values = all(name);
    if (IDENTITY_FIELDS.has(name) && new Set(values).size > 1) {
      throw new InvalidInputError(
        `${source} is not valid core metadata: it gives ${IDENTITY_FIELDS.get(name)} more than once (${values.map((v) => JSON.stringify(v)).join(', ')}).`,
      );
    }
    const value = values[0];
    return value === undefined || value === '' ? undefined : value;
  };

  const metadataVersion = one('metadata-version');
  if (metadataVersion === undefined) {
    throw new InvalidInputError(
      `${source} is not valid core metadata: the Metadata-Version field is missing. Rebuild the distribution with a current build backend.`,
    );
  }
  checkMetadataVersion(metadataVersion, source);
  const name = one('name');
  if (name === undefined) {
    throw new InvalidInputError(`${source} is not valid core metadata: the Name field is missing.`);
  }
  if (!isValidName(name)) {
    throw new InvalidInputError(
      `${source} has Name ${JSON.stringify(name)}, which is not a valid project name: use ASCII letters, digits, "-", "_" and ".", starting and ending with a letter or digit.`,
    );
  }
  const version = one('version');
  if (version === undefined) {
    throw new InvalidInputError(`${source} is not valid core metadata: the Version field is missing.`);
  }
  if (!isValidVersion(version)) {
    throw new InvalidInputError(
      `${source} has Version ${JSON.stringify(version)}, which is not a valid PEP 440 version (e.g. 1.0, 2.1.3rc1, 1.0.post1).`,
    );
  }
  const dynamic = all('dynamic');
  const forbidden = dynamic.filter((field) => IDENTITY_FIELDS.has(field.toLowerCase()));
  if (forbidden.length > 0) {
    throw new InvalidInputError(
      `${source} is not valid core metadata: ${forbidden.join(', ')} cannot be listed in Dynamic (PEP 643).`,
    );
  }

  checkDependencyFields(fields, source);

  return {
    metadataVersion,
    name,
    version,
    summary: one('summary'),
    description: body ?? one('description'),
    descriptionContentType: one('description-content-type'),
    keywords: one('keywords'),
    homePage: one('home-page'),
    downloadUrl: one('download-url'),
    author: one('author'),
    authorEmail: one('author-email'),
    maintainer: one('maintainer'),
    maintainerEmail: one('maintainer-email'),
    license: one('license'),
    licenseExpression: one('license-expression'),
    licenseFiles: all('license-file'),
    classifiers: all('classifier'),
    platforms: all('platform'),
    supportedPlatforms: all('supported-platform'),
    requiresPython: one('requires-python'),
    requiresDist: all('requires-dist'),
    requiresExternal: all('requires-external'),
    projectUrls: all('project-url'),
    providesExtra: all('provides-extra'),
    providesDist: all('provides-dist'),
    obsoletesDist: all('obsoletes-dist'),
    importNames: checkImportNames(all('import-name'), 'Import-Name', source),
    importNamespaces: checkImportNames(all('import-namespace'), 'Import-Namespace', source),
    dynamic,
    fields,
  };
}
