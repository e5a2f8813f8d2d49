/**
 * A fake AWS STS on loopback that checks a GetCallerIdentity request as STS does: it knows
 * the secret of each access key it issued, recomputes the SigV4 signature (with
 * @smithy/signature-v4, the SDK's own signer) from what the request says it signed, and
 * answers the caller's identity in STS's XML, or STS's error (MissingAuthenticationToken,
 * InvalidClientTokenId, SignatureDoesNotMatch, "Signature expired", ExpiredToken) for an
 * unsigned, wrongly signed, altered or stale request. Wharf's local server is pointed at it
 * with `awsStsConnectTo`; the Host header still names sts.amazonaws.com (or a regional
 * endpoint), as it was signed.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../lambdas/adapters/node-sha256.ts';

export interface FakeRole {
  readonly account: string;
  readonly roleName: string;
  /** The role's unique id (AROA...). @default a random one */
  readonly roleId?: string;
}

/** Temporary credentials of a role session, as AssumeRole hands them out. */
export interface FakeSession {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly arn: string;
  readonly roleId: string;
  readonly account: string;
}

export interface FakeUser {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly arn: string;
}

export interface FakeSts {
  /** http://127.0.0.1:PORT: what Wharf's `awsStsConnectTo` names. */
  readonly url: string;
  /** Credentials of a new session of `role` (a new key pair each time). */
  session(role: FakeRole, sessionName?: string): FakeSession;
  /** Long-lived keys of an IAM user. */
  user(account: string, name: string): FakeUser;
  /** Make a session's token expired from now on. */
  expire(session: FakeSession): void;
  /** Requests that reached the fake, each with its verdict (`ok` or STS's error code). */
  readonly received: { host: string; verdict: string }[];
  close(): Promise<void>;
}

const HOSTS = /^sts(?:\.([a-z]{2}(?:-gov)?-[a-z]+-\d))?\.amazonaws\.com$/;
const MAX_SKEW_MS = 15 * 60 * 1000;

function roleIdFor(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return `AROA${[...randomBytes(17)].map((b) => alphabet[b % 32]).join('')}`;
}

function keyId(prefix: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return `${prefix}${[...randomBytes(16)].map((b) => alphabet[b % 32]).join('')}`;
}

function one(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function errorXml(type: string, code: string, message: string): string {
  return (
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <Error>\n    <Type>${type}</Type>\n` +
    `    <Code>${code}</Code>\n    <Message>${message.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Message>\n  </Error>\n` +
    `  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`
  );
}

function identityXml(arn: string, userId: string, account: string): string {
  return (
    `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <GetCallerIdentityResult>\n` +
    `    <Arn>${arn}</Arn>\n    <UserId>${userId}</UserId>\n    <Account>${account}</Account>\n  </GetCallerIdentityResult>\n` +
    `  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n`
  );
}

function amzDate(text: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

interface Principal {
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly arn: string;
  readonly userId: string;
  readonly account: string;
  expired: boolean;
}

export async function startFakeSts(): Promise<FakeSts> {
  const principals = new Map<string, Principal>();
  const received: { host: string; verdict: string }[] = [];

  async function answer(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): Promise<{ status: number; xml: string; verdict: string }> {
    const refuse = (status: number, code: string, message: string) => ({ status, xml: errorXml('Sender', code, message), verdict: code });
    const host = one(headers, 'host') ?? '';
    const hostMatch = HOSTS.exec(host);
    if (!hostMatch) return refuse(400, 'InvalidHost', `This fake STS is sts.amazonaws.com, not ${host}.`);
    const region = hostMatch[1] ?? 'us-east-1';
    const authorization = one(headers, 'authorization');
    if (!authorization) return refuse(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(authorization.trim());
    if (!m) return refuse(400, 'IncompleteSignature', 'Authorization header requires Credential, SignedHeaders and Signature.');
    const [key, shortDate, scopeRegion, service, terminator] = m[1]!.split('/');
    const names = m[2]!.split(';');
    const principal = principals.get(key ?? '');
    if (!principal) return refuse(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (principal.sessionToken !== undefined && one(headers, 'x-amz-security-token') !== principal.sessionToken) {
      return refuse(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    }
    if (principal.expired) return refuse(403, 'ExpiredToken', 'The security token included in the request is expired');
    const signedAt = amzDate(one(headers, 'x-amz-date'));
    if (!signedAt) return refuse(400, 'IncompleteSignature', 'X-Amz-Date is missing or malformed.');
    if (scopeRegion !== region || service !== 'sts' || terminator !== 'aws4_request' || shortDate !== one(headers, 'x-amz-date')!.slice(0, 8)) {
      return refuse(403, 'SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${scopeRegion}'.`);
    }
    const now = Date.now();
    if (now - signedAt.getTime() > MAX_SKEW_MS) {
      const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
      return refuse(403, 'SignatureDoesNotMatch', `Signature expired: ${stamp(signedAt)} is now earlier than ${stamp(new Date(now - MAX_SKEW_MS))} (${stamp(new Date(now))} - 15 min.)`);
    }
    const signedHeaders: Record<string, string> = {};
    for (const name of names) {
      const value = one(headers, name);
      if (value === undefined) return refuse(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
      signedHeaders[name] = value;
    }
    const signer = new SignatureV4({
      service: 'sts',
      region,
      credentials: { accessKeyId: key!, secretAccessKey: principal.secretAccessKey },
      sha256: NodeSha256,
      uriEscapePath: true,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      { method, protocol: 'https:', hostname: host, path: url, query: {}, headers: signedHeaders, body },
      { signingDate: signedAt, signableHeaders: new Set(names) },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization']))?.[1] ?? '';
    const given = m[3]!;
    if (!timingSafeEqual(Buffer.from(expected.padEnd(64, '0')), Buffer.from(given))) {
      return refuse(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    }
    const params = new URLSearchParams(body.toString('utf8'));
    if (method !== 'POST' || url !== '/' || params.get('Action') !== 'GetCallerIdentity') {
      return refuse(400, 'InvalidAction', `Could not find operation ${params.get('Action') ?? '(none)'} for version ${params.get('Version') ?? '(none)'}`);
    }
    return { status: 200, xml: identityXml(principal.arn, principal.userId, principal.account), verdict: 'ok' };
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answer(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks)).then(
        ({ status, xml, verdict }) => {
          received.push({ host: one(req.headers, 'host') ?? '', verdict });
          res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() }).end(xml);
        },
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    session(role, sessionName = `codebuild-${randomUUID().slice(0, 8)}`) {
      const accessKeyId = keyId('ASIA');
      const secretAccessKey = randomBytes(30).toString('base64');
      const sessionToken = randomBytes(300).toString('base64');
      const roleId = role.roleId ?? roleIdFor();
      const arn = `arn:aws:sts::${role.account}:assumed-role/${role.roleName}/${sessionName}`;
      principals.set(accessKeyId, { secretAccessKey, sessionToken, arn, userId: `${roleId}:${sessionName}`, account: role.account, expired: false });
      return { accessKeyId, secretAccessKey, sessionToken, arn, roleId, account: role.account };
    },
    user(account, name) {
      const accessKeyId = keyId('AKIA');
      const secretAccessKey = randomBytes(30).toString('base64');
      const arn = `arn:aws:iam::${account}:user/${name}`;
      principals.set(accessKeyId, { secretAccessKey, arn, userId: keyId('AIDA'), account, expired: false });
      return { accessKeyId, secretAccessKey, arn };
    },
    expire(session) {
      const p = principals.get(session.accessKeyId);
      if (p) p.expired = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
