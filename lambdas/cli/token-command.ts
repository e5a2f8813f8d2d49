/** `wharf token create|list|revoke`: manage API tokens of a local or deployed index. */
import { parseExpiry, type TokenView } from '../app/token-admin.ts';
import { InvalidInputError, WharfError } from '../core/errors.ts';
import { commandFailed, usageError } from './command-line.ts';
import { defaultDataDir } from './serve-command.ts';
import {
  httpTokenTarget,
  openAwsTokenTarget,
  openLocalTokenTarget,
  TokenCommandError,
  type TokenTarget,
} from './token-target.ts';

export interface TokenOptions {
  scope?: string[];
  description?: string;
  expires?: string;
  url?: string;
  token?: string;
  stack?: string;
  'tokens-table'?: string;
  region?: string;
  'data-dir'?: string;
  json?: boolean;
}

async function openTarget(options: TokenOptions): Promise<TokenTarget> {
  if (options.url) {
    const token = options.token ?? process.env['WHARF_TOKEN'];
    if (!token) throw new TokenCommandError('--url needs an admin token: pass --token T or set WHARF_TOKEN.');
    return httpTokenTarget(options.url, token);
  }
  if (options.token) throw new TokenCommandError('--token goes with --url (the admin API of the index to manage).');
  if (options.stack || options['tokens-table']) {
    return openAwsTokenTarget({
      ...(options.stack ? { stackName: options.stack } : {}),
      ...(options['tokens-table'] ? { tokensTableName: options['tokens-table'] } : {}),
      ...(options.region ? { region: options.region } : {}),
    });
  }
  return openLocalTokenTarget(options['data-dir'] ?? defaultDataDir());
}

function describeScopes(view: TokenView): string {
  return view.scopes.join(', ');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function usageHints(indexUrl: string | undefined): string[] {
  const url = new URL(indexUrl ?? 'https://wharf.example.com/simple/');
  const withCreds = `${url.protocol}//__token__:<token>@${url.host}${url.pathname}`;
  const legacy = `${url.protocol}//${url.host}${url.pathname.replace(/simple\/?$/, '')}legacy/`;
  return [
    'Use it with:',
    `  pip:    pip install --index-url ${withCreds} NAME`,
    `  twine:  twine upload --repository-url ${legacy} -u __token__ -p <token> dist/*`,
    `  poetry: poetry config http-basic.<source> __token__ <token>`,
  ];
}

export type TokenAction = 'create' | 'list' | 'revoke';

export async function tokenCommand(action: TokenAction, args: string[], options: TokenOptions): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  const usage = usageError(`wharf token ${action}`);
  if (action === 'revoke' && args.length !== 1) return usage('name exactly one token id (see `wharf token list`).');
  if (action !== 'revoke' && args.length > 0) return usage(`unexpected argument "${args[0]}".`);
  if (action === 'create' && (options.scope ?? []).length === 0) {
    return usage('give at least one --scope (read:PATTERN, upload:PATTERN or admin).');
  }
  // Check what can be checked before touching any store.
  let expiresAt: Date | undefined;
  try {
    expiresAt = options.expires !== undefined ? parseExpiry(options.expires, new Date()) : undefined;
  } catch (err) {
    if (err instanceof InvalidInputError) return usage(err.message);
    throw err;
  }

  const target = await openTarget(options);
  try {
    if (action === 'create') {
      const created = await target.create({
        scopes: options.scope ?? [],
        ...(options.description !== undefined ? { description: options.description } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      });
      if (options.json) {
        out(`${JSON.stringify({ token: created.token, ...created.view }, null, 2)}\n`);
        return 0;
      }
      const v = created.view;
      out(
        [
          `Created token ${v.id} in ${target.description}`,
          `  scopes:  ${describeScopes(v)}`,
          `  expires: ${v.expiresAt ?? 'never'}`,
          '',
          `  ${created.token}`,
          '',
          'This is the only time the token is shown: keep it in a secret store.',
          ...usageHints(target.indexUrl),
          '',
        ].join('\n'),
      );
      return 0;
    }
    if (action === 'list') {
      const tokens = await target.list();
      if (options.json) {
        out(`${JSON.stringify({ tokens }, null, 2)}\n`);
        return 0;
      }
      if (tokens.length === 0) {
        out(`No tokens in ${target.description}.\n`);
        return 0;
      }
      out(
        table([
          ['ID', 'STATUS', 'SCOPES', 'EXPIRES', 'CREATED', 'CREATED BY', 'DESCRIPTION'],
          ...tokens.map((t) => [t.id, t.status, describeScopes(t), t.expiresAt ?? 'never', t.createdAt, t.createdBy, t.description]),
        ]),
      );
      return 0;
    }
    const revoked = await target.revoke(args[0]!);
    if (options.json) out(`${JSON.stringify(revoked, null, 2)}\n`);
    else out(`Revoked token ${revoked.id} (${describeScopes(revoked)}) at ${revoked.revokedAt}. It stops working within a minute.\n`);
    return 0;
  } catch (err) {
    return commandFailed(`wharf token ${action}`, err, (e): e is Error => e instanceof WharfError || e instanceof TokenCommandError);
  } finally {
    await target.close();
  }
}
