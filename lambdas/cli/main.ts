/**
 * The `wharf` command: `serve` runs the index locally, `import` loads distributions.
 * Run it as `npm start` / `npm run wharf -- <command>`.
 */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

import { parseArgs } from 'node:util';

const USAGE = `Usage: npm run wharf -- <command> [options]

Commands:
  serve                 Run Wharf locally (what \`npm start\` does)
      --port N            port to listen on (default 8080, or $WHARF_PORT)
      --host ADDR         address to listen on (default 127.0.0.1)
      --data-dir DIR      where the index keeps its data (default .wharf, or $WHARF_DATA_DIR)
      --memory            keep everything in memory: a throwaway index
      --private           reads need a token too (default on any address but loopback)
      --public            reads need no token (default on loopback); writes always do
      --quiet             no access log
      --upstream MODE     projects not hosted here: none, redirect, proxy (default) or cache
      --upstream-url URL  the upstream simple index (default https://pypi.org/simple/,
                          or $WHARF_UPSTREAM_URL)
      --upstream-ttl S    seconds an upstream page is kept before asking again (default 600)
      --reserve PATTERN   a name or prefix (acme-*) never looked up upstream; repeatable
      --mix PROJECT       a hosted project whose page also lists upstream files; repeatable
      --oidc-audience A   audience trusted publishing asks CI jobs for (default "wharf")
      --oidc-github-issuer URL  GitHub Actions' OIDC issuer (default GitHub's; GHES or a test issuer)
  import PATH...        Load wheels and sdists from files or directories
      --data-dir DIR      the local index to import into (default .wharf)
      --stack NAME        import into a deployed Wharf stack (by its outputs) instead
      --table T --bucket B  import into a deployed index by table and bucket name
      --region R          AWS region of the deployed index
  yank|unyank|delete PROJECT (VERSION | --file F)  Yank, un-yank or delete published files
                        (run \`wharf yank\` alone for its options)
  token create|list|revoke  Manage API tokens (run \`wharf token\` alone for its options)
  publisher add|list|remove  Trusted publishers: GitHub workflows that publish with no
                        stored token (run \`wharf publisher\` alone for its options)
  publish FILE...       Publish wheels and sdists of any size (up to 5 GB) straight to S3
      --url URL           the index (default: the local server on --data-dir)
      --token TOKEN       upload token (or $WHARF_TOKEN, or $TWINE_PASSWORD with TWINE_USERNAME=__token__)
      --trusted-publishing  exchange the GitHub Actions job's OIDC token for an upload token
                          (the default in a job with \`id-token: write\` when no token is given;
                          the index needs a publisher for the project: see \`wharf publisher\`)
      --skip-existing     files already on the index are skipped, not errors
      --concurrency N     parts uploaded in parallel (default 4)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'serve') {
    const { values } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        memory: { type: 'boolean' },
        private: { type: 'boolean' },
        public: { type: 'boolean' },
        quiet: { type: 'boolean' },
        upstream: { type: 'string' },
        'upstream-url': { type: 'string' },
        'upstream-ttl': { type: 'string' },
        reserve: { type: 'string', multiple: true },
        mix: { type: 'string', multiple: true },
        'oidc-audience': { type: 'string' },
        'oidc-github-issuer': { type: 'string' },
      },
    });
    const { serveCommand } = await import('./serve-command.ts');
    return serveCommand(values);
  }
  if (command === 'import') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        'data-dir': { type: 'string' },
        stack: { type: 'string' },
        table: { type: 'string' },
        bucket: { type: 'string' },
        region: { type: 'string' },
        concurrency: { type: 'string' },
      },
    });
    const { importCommand } = await import('./import-run.ts');
    return importCommand(values, positionals);
  }
  if (command === 'token') {
    const [action, ...args] = rest;
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        scope: { type: 'string', multiple: true },
        description: { type: 'string' },
        expires: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        stack: { type: 'string' },
        'tokens-table': { type: 'string' },
        region: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const { tokenCommand } = await import('./token-command.ts');
    return tokenCommand(action, positionals, values);
  }
  if (command === 'yank' || command === 'unyank' || command === 'delete') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        file: { type: 'string' },
        reason: { type: 'string' },
        yes: { type: 'boolean' },
        url: { type: 'string' },
        token: { type: 'string' },
        stack: { type: 'string' },
        table: { type: 'string' },
        bucket: { type: 'string' },
        region: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const { projectCommand } = await import('./project-command.ts');
    return projectCommand(command, positionals, values);
  }
  if (command === 'publisher') {
    const [action, ...args] = rest;
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        project: { type: 'string' },
        owner: { type: 'string' },
        'owner-id': { type: 'string' },
        repository: { type: 'string' },
        'repository-id': { type: 'string' },
        workflow: { type: 'string' },
        environment: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        stack: { type: 'string' },
        'tokens-table': { type: 'string' },
        region: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const { publisherCommand } = await import('./publisher-command.ts');
    return publisherCommand(action, positionals, values);
  }
  if (command === 'publish') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        'data-dir': { type: 'string' },
        'skip-existing': { type: 'boolean' },
        'trusted-publishing': { type: 'boolean' },
        concurrency: { type: 'string' },
      },
    });
    const { publishCommand } = await import('./publish-command.ts');
    return publishCommand(positionals, values);
  }
  process.stdout.write(USAGE);
  return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wharf: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
