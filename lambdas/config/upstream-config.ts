/**
 * Upstream settings, read once at start-up from the environment the CDK construct sets.
 * Without any of them the upstream is off (`none`): the construct chooses the deployed
 * default (`proxy`), so a function never goes upstream by accident.
 */
import { ConfigError, type Environment, UPSTREAM_ENV, numberFrom } from './environment.ts';
import { WharfError } from '../core/errors.ts';
import { isUpstreamMode, NamePatterns, parseUpstreamUrl, PYPI_SIMPLE_URL, UPSTREAM_MODES, type UpstreamMode } from '../core/upstream.ts';

export interface UpstreamSettings {
  readonly mode: UpstreamMode;
  /** Base URL of the upstream simple index, ending in `/`. */
  readonly url: string;
  /** How long a fetched page is served without asking the upstream again. */
  readonly pageTtlSeconds: number;
  /** Names that never go upstream. */
  readonly reserved: NamePatterns;
  /** Hosted projects whose pages also list the upstream's files (an admin's explicit choice). */
  readonly mixed: NamePatterns;
  /** Largest file (bytes) copied within the request; larger ones are copied in the background. */
  readonly copyLimitBytes: number;
  /** How long a download may spend copying before it redirects to the upstream instead. */
  readonly copyDeadlineMs: number;
}

export const UPSTREAM_DEFAULTS = {
  url: PYPI_SIMPLE_URL,
  /** Ten minutes: a new upstream release shows up within that; pip installs hit the cache. */
  pageTtlSeconds: 600,
  /** One upstream page request; with the copy deadline, well inside API Gateway's 30 s. */
  timeoutSeconds: 10,
  /** Files up to this size are copied within the download request. */
  copyLimitBytes: 64 * 1024 * 1024,
  /** How long a download request may spend copying before it redirects instead. */
  copyDeadlineSeconds: 15,
} as const;

/** The most the upstream's answer may take: the rest of API Gateway's 30 s is Wharf's. */
export const MAX_UPSTREAM_TIMEOUT_SECONDS = 20;

export interface UpstreamConfig extends UpstreamSettings {
  readonly timeoutMs: number;
  /** Name of the background copier function (`cache` mode on AWS). */
  readonly copierFunction?: string;
}

/** Comma- or whitespace-separated patterns. */
export function patternList(text: string | undefined): string[] {
  return (text ?? '').split(/[\s,]+/).filter(Boolean);
}

/**
 * The upstream as `wharf serve` flags and the CDK props give it (lib/upstream.ts takes
 * `url` and `copyLimitBytes` from here as they are, and the durations as Durations).
 */
export interface UpstreamOptions {
  /** `none`, `redirect`, `proxy` or `cache`. @default 'none' (the construct and `wharf serve` choose `proxy`) */
  readonly mode?: string;
  /**
   * The upstream's simple index URL (PEP 503/691), without credentials.
   * @default 'https://pypi.org/simple/'
   */
  readonly url?: string;
  /** @default 600 */
  readonly pageTtlSeconds?: number;
  /** @default 10 (at most 20: API Gateway stops at 30) */
  readonly timeoutSeconds?: number;
  /**
   * `cache` mode: files up to this many bytes are copied within the download request
   * (held in memory); larger ones are redirected to the upstream that once and copied by
   * the background copier.
   * @default 67108864 (64 MiB)
   */
  readonly copyLimitBytes?: number;
  /** @default 15 */
  readonly copyDeadlineSeconds?: number;
  /** Name patterns that never go upstream. @default - none */
  readonly reserved?: readonly string[];
  /** Hosted projects whose pages also list the upstream's files. @default - none */
  readonly mixed?: readonly string[];
}

/** Validated settings from options (CDK props, `wharf serve` flags); throws ConfigError. */
export function upstreamSettings(options: UpstreamOptions): UpstreamConfig {
  const mode = options.mode ?? 'none';
  if (!isUpstreamMode(mode)) throw new ConfigError(`Upstream mode "${mode}" is not one of ${UPSTREAM_MODES.join(', ')}.`);
  const timeoutSeconds = options.timeoutSeconds ?? UPSTREAM_DEFAULTS.timeoutSeconds;
  if (!(timeoutSeconds > 0 && timeoutSeconds <= MAX_UPSTREAM_TIMEOUT_SECONDS)) {
    throw new ConfigError(`The upstream timeout must be more than 0 and at most ${MAX_UPSTREAM_TIMEOUT_SECONDS} seconds (API Gateway gives up at 30), not ${timeoutSeconds}.`);
  }
  const pageTtlSeconds = options.pageTtlSeconds ?? UPSTREAM_DEFAULTS.pageTtlSeconds;
  if (!(Number.isInteger(pageTtlSeconds) && pageTtlSeconds >= 0)) {
    throw new ConfigError(`The upstream page time-to-live must be a whole number of seconds, not ${pageTtlSeconds}.`);
  }
  const copyLimitBytes = options.copyLimitBytes ?? UPSTREAM_DEFAULTS.copyLimitBytes;
  if (!(Number.isInteger(copyLimitBytes) && copyLimitBytes >= 0 && copyLimitBytes <= 256 * 1024 * 1024)) {
    throw new ConfigError(`The upstream copy limit must be 0 to 268435456 bytes (it is held in memory), not ${copyLimitBytes}.`);
  }
  const copyDeadlineSeconds = options.copyDeadlineSeconds ?? UPSTREAM_DEFAULTS.copyDeadlineSeconds;
  if (!(copyDeadlineSeconds > 0 && copyDeadlineSeconds <= 25)) {
    throw new ConfigError(`The upstream copy deadline must be more than 0 and at most 25 seconds, not ${copyDeadlineSeconds}.`);
  }
  try {
    return {
      mode,
      url: parseUpstreamUrl(options.url ?? UPSTREAM_DEFAULTS.url),
      pageTtlSeconds,
      reserved: new NamePatterns(options.reserved ?? []),
      mixed: new NamePatterns(options.mixed ?? []),
      copyLimitBytes,
      copyDeadlineMs: copyDeadlineSeconds * 1000,
      timeoutMs: timeoutSeconds * 1000,
    };
  } catch (err) {
    if (err instanceof WharfError) throw new ConfigError(err.message);
    throw err;
  }
}

export function loadUpstreamConfig(env: Environment): UpstreamConfig {
  const settings = upstreamSettings({
    ...(env[UPSTREAM_ENV.mode] ? { mode: env[UPSTREAM_ENV.mode] } : {}),
    ...(env[UPSTREAM_ENV.url] ? { url: env[UPSTREAM_ENV.url] } : {}),
    ...optional('pageTtlSeconds', numberFrom(env, UPSTREAM_ENV.pageTtlSeconds)),
    ...optional('timeoutSeconds', numberFrom(env, UPSTREAM_ENV.timeoutSeconds)),
    ...optional('copyLimitBytes', numberFrom(env, UPSTREAM_ENV.copyLimitBytes)),
    reserved: patternList(env[UPSTREAM_ENV.reserved]),
    mixed: patternList(env[UPSTREAM_ENV.mixed]),
  });
  const copierFunction = env[UPSTREAM_ENV.copierFunction];
  if (settings.mode === 'cache' && !copierFunction) {
    throw new ConfigError(`${UPSTREAM_ENV.copierFunction} is not set: cache mode needs the background copier.`);
  }
  return { ...settings, ...(copierFunction ? { copierFunction } : {}) };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

/** The copier (cache mode only): the upstream it copies from. */
export function loadCopierUpstreamConfig(env: Environment): UpstreamConfig {
  const url = env[UPSTREAM_ENV.url];
  return upstreamSettings({ mode: 'cache', ...(url ? { url } : {}) });
}
