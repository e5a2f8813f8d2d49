/**
 * Real Python distributions, built in memory without any outside program: wheels
 * (PEP 427/491: a zip with `{name}-{version}.dist-info/` holding METADATA, WHEEL,
 * top_level.txt and a RECORD whose sha256/size entries match) and sdists (PEP 625: a
 * gzipped ustar archive with `PKG-INFO`, `pyproject.toml` and the module under
 * `{name}-{version}/`). pip installs the wheels; pip builds the sdists with setuptools.
 *
 * The caller chooses name, version, Metadata-Version and every further core metadata
 * header, so a test can make a corpus of Metadata-Version 1.0 to 2.6 (or a malformed one):
 * the builder writes what it is told and checks nothing, which is what tests of a
 * validator need. Output is byte-for-byte reproducible (fixed timestamps, fixed order).
 *
 * ```ts
 * const wheel = buildWheel({
 *   name: 'demo-pkg', version: '1.0', metadataVersion: '2.5',
 *   headers: [['Summary', 'A demo'], ['Requires-Dist', 'idna>=3'], ['Import-Name', 'demo_pkg']],
 * });
 * await writeFile(path.join(dir, wheelFilename({ name: 'demo-pkg', version: '1.0' })), wheel);
 * ```
 */
import { createHash } from 'node:crypto';

import { type Zippable, gzipSync, strToU8, zipSync } from 'fflate';

/** 2023-11-14T22:13:20Z (SOURCE_DATE_EPOCH 1700000000), the time stamped on every entry. */
export const DEFAULT_MTIME = new Date(1_700_000_000_000);

/** Core metadata headers after Metadata-Version, Name and Version, in order; a name may repeat. */
export type MetadataHeaders = readonly (readonly [string, string])[] | Readonly<Record<string, string | readonly string[]>>;

export interface CoreMetadataOptions {
  /** The project name as written in `Name:` (not normalized). */
  readonly name: string;
  /** Written as given in `Version:` and, normalized only as filenames need, in filenames. */
  readonly version: string;
  /** @default '2.1' (what Debian's setuptools 66 writes) */
  readonly metadataVersion?: string;
  /** Further headers, e.g. `[['Summary', '...'], ['Requires-Dist', 'a>=1'], ['Requires-Dist', 'b']]`. */
  readonly headers?: MetadataHeaders;
  /** The long description, written as the message body after a blank line. @default none */
  readonly description?: string;
}

export interface DistributionOptions extends CoreMetadataOptions {
  /**
   * Files of the distribution outside its metadata, by path relative to the wheel root or
   * to the sdist's top directory.
   * @default `{ '<module>/__init__.py': '__version__ = "<version>"\n' }`
   */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
  /** The import name of the default module and of top_level.txt. @default the name, normalized with `_` */
  readonly module?: string;
  /**
   * The name as spelled in the filename (and the sdist's top directory, the wheel's
   * `.dist-info`). @default the name normalized with `_`, as PEP 427/625 ask; setuptools
   * before 69 kept `-` in sdist names, so pass `name` itself to get `wharf-demo-core-1.0.0.tar.gz`
   */
  readonly filenameName?: string;
  /** Timestamp of every archive entry. @default DEFAULT_MTIME */
  readonly mtime?: Date;
}

export interface WheelOptions extends DistributionOptions {
  /** Compatibility tags `python-abi-platform` (compressed sets allowed). @default 'py3-none-any' */
  readonly tag?: string;
  /** A build tag for the filename (must start with a digit). @default none */
  readonly buildTag?: string;
  /** `entry_points.txt`, e.g. `'[console_scripts]\ndemo = demo_pkg:main\n'`. @default none */
  readonly entryPoints?: string;
  /** Further files in `.dist-info/` (e.g. `licenses/LICENSE`); listed in RECORD like the rest. */
  readonly distInfoFiles?: Readonly<Record<string, string | Uint8Array>>;
  /** `Generator:` of the WHEEL file. @default 'wharf-dist-builder' */
  readonly generator?: string;
}

export interface SdistOptions extends DistributionOptions {
  /** `pyproject.toml`. @default a setuptools one with the name and version, enough for pip to build the sdist */
  readonly pyproject?: string;
}

/** PEP 503 normalization with `_`, as wheel and sdist filenames spell a name. */
export function filenameSafeName(name: string): string {
  return name.replace(/[-_.]+/g, '_').toLowerCase();
}

/** The version as filenames carry it: a local-version `-` would break the split. */
function filenameSafeVersion(version: string): string {
  return version.replace(/-/g, '_');
}

function headerPairs(headers: MetadataHeaders | undefined): (readonly [string, string])[] {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return [...(headers as readonly (readonly [string, string])[])];
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(headers as Readonly<Record<string, string | readonly string[]>>)) {
    for (const v of typeof value === 'string' ? [value] : value) pairs.push([key, v]);
  }
  return pairs;
}

/** The METADATA / PKG-INFO text (RFC 822 style, as setuptools writes it). */
export function coreMetadata(opts: CoreMetadataOptions): string {
  const lines = [
    `Metadata-Version: ${opts.metadataVersion ?? '2.1'}`,
    `Name: ${opts.name}`,
    `Version: ${opts.version}`,
    // A multi-line value continues on lines indented by 8 spaces, as the email format folds it.
    ...headerPairs(opts.headers).map(([key, value]) => `${key}: ${value.replace(/\n/g, '\n        ')}`),
  ];
  return `${lines.join('\n')}\n${opts.description === undefined ? '' : `\n${opts.description}`}`;
}

export function wheelFilename(opts: Pick<WheelOptions, 'name' | 'version' | 'filenameName' | 'tag' | 'buildTag'>): string {
  const build = opts.buildTag === undefined ? '' : `-${opts.buildTag}`;
  return `${distStem(opts)}${build}-${opts.tag ?? 'py3-none-any'}.whl`;
}

export function sdistFilename(opts: Pick<SdistOptions, 'name' | 'version' | 'filenameName'>): string {
  return `${distStem(opts)}.tar.gz`;
}

function distStem(opts: Pick<DistributionOptions, 'name' | 'version' | 'filenameName'>): string {
  return `${opts.filenameName ?? filenameSafeName(opts.name)}-${filenameSafeVersion(opts.version)}`;
}

function bytesOf(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? strToU8(content) : content;
}

function defaultFiles(opts: DistributionOptions): Record<string, string | Uint8Array> {
  const module = opts.module ?? filenameSafeName(opts.name);
  return opts.files ? { ...opts.files } : { [`${module}/__init__.py`]: `__version__ = ${JSON.stringify(opts.version)}\n` };
}

/** A RECORD hash: sha256, urlsafe base64 without padding (PEP 376/427). */
function recordHash(bytes: Uint8Array): string {
  return `sha256=${createHash('sha256').update(bytes).digest('base64url')}`;
}

/** The import names at the top of the wheel, for top_level.txt. */
function topLevelNames(paths: readonly string[]): string[] {
  const names = new Set<string>();
  for (const path of paths) {
    const first = path.split('/')[0]!;
    if (path.includes('/')) names.add(first);
    else if (first.endsWith('.py')) names.add(first.slice(0, -3));
  }
  return [...names].sort();
}

/** A wheel, as bdist_wheel lays it out: the files, then `.dist-info/` with RECORD last. */
export function buildWheel(opts: WheelOptions): Uint8Array {
  const distInfo = `${distStem(opts)}.dist-info`;
  const files = defaultFiles(opts);
  const wheelFile = [
    'Wheel-Version: 1.0',
    `Generator: ${opts.generator ?? 'wharf-dist-builder'}`,
    'Root-Is-Purelib: true',
    ...expandTags(opts.tag ?? 'py3-none-any').map((t) => `Tag: ${t}`),
    ...(opts.buildTag === undefined ? [] : [`Build: ${opts.buildTag}`]),
  ].join('\n');
  const entries: [string, Uint8Array][] = Object.entries(files).map(([p, c]) => [p, bytesOf(c)]);
  entries.push([`${distInfo}/METADATA`, strToU8(coreMetadata(opts))]);
  entries.push([`${distInfo}/WHEEL`, strToU8(`${wheelFile}\n\n`)]);
  if (opts.entryPoints !== undefined) entries.push([`${distInfo}/entry_points.txt`, strToU8(opts.entryPoints)]);
  const topLevel = topLevelNames(Object.keys(files));
  if (topLevel.length > 0) entries.push([`${distInfo}/top_level.txt`, strToU8(`${topLevel.join('\n')}\n`)]);
  for (const [p, c] of Object.entries(opts.distInfoFiles ?? {})) entries.push([`${distInfo}/${p}`, bytesOf(c)]);
  const record = entries.map(([p, bytes]) => `${csvField(p)},${recordHash(bytes)},${bytes.length}`);
  record.push(`${distInfo}/RECORD,,`);
  entries.push([`${distInfo}/RECORD`, strToU8(`${record.join('\n')}\n`)]);

  const mtime = opts.mtime ?? DEFAULT_MTIME;
  const zippable: Zippable = {};
  for (const [path, bytes] of entries) {
    // Made on Unix (os 3), mode 0644, so pip extracts ordinary readable files.
    zippable[path] = [bytes, { mtime, os: 3, attrs: (0o100644 << 16) >>> 0 }];
  }
  return zipSync(zippable, { level: 6 });
}

/** `py2.py3-none-any` → `py2-none-any`, `py3-none-any`, as the WHEEL file lists tags. */
function expandTags(tag: string): string[] {
  const [py = '', abi = '', plat = ''] = tag.split('-');
  const out: string[] = [];
  for (const p of py.split('.')) for (const a of abi.split('.')) for (const pl of plat.split('.')) out.push(`${p}-${a}-${pl}`);
  return out;
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A pyproject.toml that setuptools builds: the name and version, nothing dynamic. */
function defaultPyproject(opts: SdistOptions): string {
  const module = opts.module ?? filenameSafeName(opts.name);
  return [
    '[build-system]',
    'requires = ["setuptools"]',
    'build-backend = "setuptools.build_meta"',
    '',
    '[project]',
    `name = ${JSON.stringify(opts.name)}`,
    `version = ${JSON.stringify(opts.version)}`,
    '',
    '[tool.setuptools]',
    `packages = [${JSON.stringify(module)}]`,
    '',
  ].join('\n');
}

/** An sdist: `{name}-{version}/` with PKG-INFO, pyproject.toml and the files, gzipped ustar. */
export function buildSdist(opts: SdistOptions): Uint8Array {
  const top = distStem(opts);
  const files: Record<string, string | Uint8Array> = {
    'PKG-INFO': coreMetadata(opts),
    'pyproject.toml': opts.pyproject ?? defaultPyproject(opts),
    ...defaultFiles(opts),
  };
  const mtime = Math.floor((opts.mtime ?? DEFAULT_MTIME).getTime() / 1000);
  const blocks: Uint8Array[] = [];
  const dirs = new Set<string>();
  const addDir = (dir: string): void => {
    if (dirs.has(dir)) return;
    const parent = dir.slice(0, dir.lastIndexOf('/', dir.length - 2) + 1);
    if (parent) addDir(parent);
    dirs.add(dir);
    blocks.push(ustarHeader(dir, 0, mtime, '5'));
  };
  for (const [path, content] of Object.entries(files)) {
    const full = `${top}/${path}`;
    addDir(full.slice(0, full.lastIndexOf('/') + 1));
    const bytes = bytesOf(content);
    blocks.push(ustarHeader(full, bytes.length, mtime, '0'), bytes, new Uint8Array((512 - (bytes.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024)); // two zero blocks end the archive
  return gzipSync(concat(blocks), { level: 9, mtime: opts.mtime ?? DEFAULT_MTIME });
}

/** One POSIX ustar header block; names over 100 bytes go into the 155-byte prefix field. */
function ustarHeader(path: string, size: number, mtime: number, type: '0' | '5'): Uint8Array {
  const header = new Uint8Array(512);
  let name = path;
  let prefix = '';
  const fits = (n: string, p: string): boolean => strToU8(n).length <= 100 && strToU8(p).length <= 155;
  if (!fits(name, prefix)) {
    // Split at the first `/` that leaves a name short enough; the prefix must fit too.
    const cuts = [...path.slice(0, -1).matchAll(/\//g)].map((m) => m.index);
    const cut = cuts.find((c) => fits(path.slice(c + 1), path.slice(0, c)));
    if (cut === undefined) throw new Error(`Path too long for a ustar sdist: ${path}`);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
  }
  const put = (offset: number, length: number, value: string): void => {
    header.set(strToU8(value).subarray(0, length), offset);
  };
  const octal = (offset: number, length: number, value: number): void => put(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  put(0, 100, name);
  octal(100, 8, type === '5' ? 0o755 : 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, mtime);
  put(148, 8, '        '); // the checksum is computed with its own field as spaces
  put(156, 1, type);
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  put(265, 32, 'root');
  put(297, 32, 'root');
  put(345, 155, prefix);
  const sum = header.reduce((a, b) => a + b, 0);
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
