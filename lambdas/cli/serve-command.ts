/** `wharf serve` / `npm start`: Wharf on this machine, with embedded DynamoDB and S3. */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { DataDirInUseError } from '../local/data-dir-lock.ts';
import { writePrivateFile } from '../local/private-files.ts';
import { startLocalWharf, type LocalWharf } from '../local/local-wharf.ts';
import { processAlive, readServerState, SERVER_STATE_FILE, type ServerState } from './import-target.ts';
import { patternList, type UpstreamOptions } from '../config/upstream-config.ts';
import { parseIssuerList } from '../config/wharf-config.ts';
import { defaultDataDir } from './data-dir.ts';

export { defaultDataDir } from './data-dir.ts';

export interface ServeOptions {
  port?: string;
  host?: string;
  'data-dir'?: string;
  memory?: boolean;
  private?: boolean;
  public?: boolean;
  quiet?: boolean;
  'log-level'?: string;
  'oidc-github-issuer'?: string;
  'oidc-gitlab-issuers'?: string;
  'oidc-google-issuers'?: string;
  'sigstore-trusted-root'?: string;
  'oidc-audience'?: string;
  upstream?: string;
  'upstream-url'?: string;
  'upstream-ttl'?: string;
  reserve?: string[];
  mix?: string[];
  'allow-ip'?: string[];
}

/** The upstream flags; like a deployed stack, `proxy` of public PyPI unless told otherwise. */
function upstreamOptions(options: ServeOptions): UpstreamOptions {
  const ttl = options['upstream-ttl'];
  if (ttl !== undefined && !/^\d+$/.test(ttl)) throw new Error(`--upstream-ttl must be a whole number of seconds, not "${ttl}".`);
  const url = options['upstream-url'] ?? process.env['WHARF_UPSTREAM_URL'];
  return {
    mode: options.upstream ?? 'proxy',
    ...(url ? { url } : {}),
    ...(ttl !== undefined ? { pageTtlSeconds: Number(ttl) } : {}),
    reserved: (options.reserve ?? []).flatMap(patternList),
    mixed: (options.mix ?? []).flatMap(patternList),
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a whole number from 0 to 65535, not "${value}".`);
  }
  return port;
}

function upstreamLine(mode: string, options: UpstreamOptions): string {
  const url = options.url ?? 'https://pypi.org/simple/';
  const reserved = options.reserved?.length ? `; never for ${options.reserved.join(', ')}` : '';
  switch (mode) {
    case 'none':
      return 'none: projects not hosted here are 404 (--upstream proxy to reach PyPI)';
    case 'redirect':
      return `redirect to ${url}${reserved}`;
    case 'cache':
      return `cache of ${url}: first downloads are copied here${reserved}`;
    default:
      return `proxy of ${url}${reserved}`;
  }
}

const LOG_LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' } as const;

function logLevelOf(option: string | undefined): (typeof LOG_LEVELS)[keyof typeof LOG_LEVELS] | undefined {
  if (option === undefined) return undefined;
  const level = LOG_LEVELS[option.toLowerCase() as keyof typeof LOG_LEVELS];
  if (!level) throw new Error(`--log-level must be debug, info, warn or error, not "${option}".`);
  return level;
}

export async function serveCommand(options: ServeOptions): Promise<number> {
  const logLevel = logLevelOf(options['log-level']);
  const dataDir = path.resolve(options['data-dir'] ?? defaultDataDir());
  const port = parsePort(options.port ?? process.env['WHARF_PORT'] ?? '8080');
  const host = options.host ?? '127.0.0.1';
  if (options.private && options.public) throw new Error('Choose one of --private and --public.');
  let wharf: LocalWharf;
  try {
    wharf = await startLocalWharf({
      host,
      port,
      ...(options.private ? { publicRead: false } : options.public ? { publicRead: true } : {}),
      ...(options.memory ? {} : { dataDir }),
      ...(options['oidc-github-issuer'] ? { oidcGithubIssuer: options['oidc-github-issuer'] } : {}),
      ...(options['oidc-gitlab-issuers'] ? { oidcGitlabIssuers: parseIssuerList(options['oidc-gitlab-issuers'], '--oidc-gitlab-issuers') } : {}),
      ...(options['oidc-google-issuers'] ? { oidcGoogleIssuers: parseIssuerList(options['oidc-google-issuers'], '--oidc-google-issuers') } : {}),
      ...(options['sigstore-trusted-root'] ? { sigstoreTrustedRoot: options['sigstore-trusted-root'] } : {}),
      ...(options['oidc-audience'] ? { oidcAudience: options['oidc-audience'] } : {}),
      upstream: upstreamOptions(options),
      ...(logLevel ? { logLevel } : {}),
      ...(options['allow-ip']?.length ? { allowedNetworks: options['allow-ip'] } : {}),
      ...(options.quiet
        ? {}
        : {
            onRequest: ({ method, url, status, ms }) =>
              process.stdout.write(`${new Date().toISOString()} ${method} ${url} ${status} ${ms}ms\n`),
          }),
    });
  } catch (err) {
    if (!(err instanceof DataDirInUseError)) throw err;
    const running = await readServerState(dataDir);
    const url = running?.pid === err.pid ? `, ${running.url}` : ' (still starting)';
    process.stderr.write(
      `wharf serve: ${dataDir} is in use by another Wharf (pid ${err.pid}${url}): stop it (kill ${err.pid}), ` +
        'or start this one with another --data-dir DIR or with --memory.\n',
    );
    return 1;
  }
  // `wharf import` finds the running server's stores through this file. A throwaway
  // --memory server leaves alone the file of a live server on the same directory.
  await mkdir(dataDir, { recursive: true });
  const stateFile = path.join(dataDir, SERVER_STATE_FILE);
  const previous = await readServerState(dataDir);
  if (!options.memory || !previous || !processAlive(previous.pid)) {
    const state: ServerState = { pid: process.pid, url: wharf.url, ...wharf.stores };
    await writePrivateFile(stateFile, JSON.stringify(state, null, 2)); // It holds the stores' key pair.
  }

  const dataDirOption = options['data-dir'] ? ` --data-dir ${dataDir}` : '';
  const { admin } = wharf;
  const authedIndexUrl = wharf.indexUrl.replace('://', '://__token__:<token>@');
  process.stdout.write(
    [
      `Wharf is running ${options.memory ? 'with a throwaway in-memory index' : `with its data in ${dataDir}`}.`,
      wharf.publicRead
        ? 'Reads are open (loopback only; --private to require tokens). Uploads and /api/ need a token.'
        : 'Reads need a token with read scope (--public to open them). Uploads and /api/ need a token.',
      '',
      `  Index URL:  ${wharf.indexUrl}`,
      `  Browse:     ${wharf.url}/${wharf.publicRead ? '' : ' (sign in with a token)'}`,
      wharf.publicRead
        ? `  Install:    python3 -m pip install --index-url ${wharf.indexUrl} NAME`
        : `  Install:    python3 -m pip install --index-url ${authedIndexUrl} NAME`,
      `  Publish:    twine upload --repository-url ${wharf.url}/legacy/ -u __token__ -p <token> dist/*`,
      `  Import:     npm run wharf -- import${dataDirOption} path/to/dist/`,
      `  Health:     ${wharf.url}/health`,
      `  Upstream:   ${upstreamLine(wharf.upstreamMode, upstreamOptions(options))}`,
      ...(options['allow-ip']?.length
        ? [`  Allowed:    ${options['allow-ip'].join(', ')} (from elsewhere only trusted publishing and /health answer)`]
        : []),
      '',
      admin.file
        ? `Admin token ${admin.created ? 'created and ' : ''}kept in ${admin.file} (readable by you only).`
        : `Admin token (this in-memory index only): ${admin.token}`,
      `  Make tokens: npm run wharf -- token create${dataDirOption} --scope read:* --scope upload:my-project`,
      admin.file
        ? `  Use the API: curl -H "Authorization: Bearer $(cat ${admin.file})" ${wharf.url}/api/tokens`
        : `  Use the API: curl -H "Authorization: Bearer ${admin.token}" ${wharf.url}/api/tokens`,
      '',
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('Stopping Wharf...\n');
  // Only our own: another server may have taken over the data directory's state file.
  if ((await readServerState(dataDir))?.pid === process.pid) await rm(stateFile, { force: true });
  await wharf.close();
  return 0;
}
