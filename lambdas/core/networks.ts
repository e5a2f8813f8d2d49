/**
 * The IP allowlist: which networks may use the index, and which requests stay open to
 * everyone (trusted publishing from CI runners, whose addresses nobody can list).
 *
 * CIDR blocks, IPv4 and IPv6 (`203.0.113.0/24`, `2001:db8::/32`, a bare address is a /32 or
 * /128). An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack socket reports)
 * is matched as the IPv4 address it maps.
 */

export interface Network {
  readonly family: 4 | 6;
  /** The network address with the host bits cleared. */
  readonly base: bigint;
  readonly prefix: number;
  /** As written, for messages. */
  readonly text: string;
}

/** What a request from outside the allowed networks may still do. */
export type OutsideRule =
  /** Reachable from anywhere: the OIDC exchange proves who is asking by itself. */
  | 'open'
  /** Reachable from anywhere with a token minted by trusted publishing, and only then. */
  | 'trusted-publishing'
  | 'closed';

/**
 * The prefixes of `TokenRecord.createdBy` of a token minted by trusted publishing: by an
 * OIDC identity (GitHub, GitLab, Google) or by an AWS role's signed GetCallerIdentity.
 */
export const TRUSTED_PUBLISHING_CREATORS = ['oidc:', 'aws:'] as const;

/** Whether a token was minted by trusted publishing, from its `createdBy`. */
export function mintedByTrustedPublishing(createdBy: string): boolean {
  return TRUSTED_PUBLISHING_CREATORS.some((prefix) => createdBy.startsWith(prefix));
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let head = text;
  let tail4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tail4 = parseIpv4(text.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): string[] | undefined => {
    if (half === '') return [];
    const list = half.split(':');
    return list.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? list : undefined;
  };
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (!left || !right) return undefined;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(missing).fill('0'), ...right];
  let value = 0n;
  for (const group of all) value = (value << 16n) | BigInt(parseInt(group, 16));
  if (tail4 !== undefined) value = (value & ~0xffffffffn) | tail4;
  return value;
}

const MAPPED_IPV4 = 0xffffn << 32n;

/** An address as (family, value); IPv4-mapped IPv6 as IPv4. Undefined if it is none. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIpv6(text.replace(/%.*$/, '')); // a zone id (fe80::1%eth0) does not matter here
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === MAPPED_IPV4 >> 32n) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

/** One CIDR block; a bare address is the block of that address alone. */
export function parseNetwork(text: string): Network | undefined {
  const trimmed = text.trim();
  const [address, prefixText, extra] = trimmed.split('/');
  if (extra !== undefined || address === undefined) return undefined;
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  const bits = parsed.family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
  return { family: parsed.family, base: parsed.value & mask, prefix, text: trimmed };
}

/** A list of CIDR blocks, comma- or space-separated; every bad entry named in one error. */
export function parseNetworks(list: string | readonly string[]): Network[] {
  const entries = (typeof list === 'string' ? [list] : list).flatMap((item) => item.split(/[\s,]+/)).filter(Boolean);
  const bad = entries.filter((entry) => parseNetwork(entry) === undefined);
  if (bad.length > 0) {
    throw new RangeError(`Not a CIDR block (such as 203.0.113.0/24 or 2001:db8::/32): ${bad.map((b) => JSON.stringify(b)).join(', ')}.`);
  }
  return entries.map((entry) => parseNetwork(entry)!);
}

export function networksContain(networks: readonly Network[], address: string): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return false;
  const bits = parsed.family === 4 ? 32 : 128;
  return networks.some((n) => {
    if (n.family !== parsed.family) return false;
    const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - n.prefix)) - 1n);
    return (parsed.value & mask) === n.base;
  });
}

/**
 * What a request from outside may do, by method and path (the stage prefix removed):
 * - `GET /health`: open (it says "ok", for probes); `GET /client/wharf.mjs` (public code).
 * - `/_/oidc/...` and `/_/aws/...`: open. The audience is public, and the exchanges take only
 *   a CI identity token signed by the issuer for this index's audience, or a GetCallerIdentity
 *   request signed by an AWS role for this index, matched against a registered publisher.
 * - the uploads (`POST /legacy/`, upload sessions under `/upload/`): with a minted token only,
 *   which can upload to its publisher's projects for 15 minutes and nothing else.
 * - everything else (pages, files, the JSON API, the web UI, the admin and project APIs): closed.
 */
export function outsideRule(method: string, path: string): OutsideRule {
  if (path.startsWith('/_/oidc/') || path.startsWith('/_/aws/')) return 'open';
  // A load balancer's or uptime monitor's probe: it says "ok" and nothing else.
  if (path === '/health' && (method === 'GET' || method === 'HEAD')) return 'open';
  // The single-file publish client: public code a CI job outside fetches before it publishes.
  if (path.startsWith('/client/') && (method === 'GET' || method === 'HEAD')) return 'open';
  if (method === 'POST' && (path === '/legacy/' || path === '/legacy')) return 'trusted-publishing';
  if (path === '/upload' || path.startsWith('/upload/')) return 'trusted-publishing';
  return 'closed';
}

/** The refusal: it names the caller's address, not the allowed networks (no map of them for outsiders). */
export function outsideMessage(address: string): string {
  return (
    'This index takes requests only from its allowed networks, ' +
    `and ${address || 'this address'} is not in them. Connect from an allowed network (office, VPN), ` +
    'or ask an admin to add yours. CI can publish from anywhere by trusted publishing.'
  );
}
