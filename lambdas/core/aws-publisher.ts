/**
 * AWS principals as trusted publishers: an IAM role (CodeBuild's service role, an EC2
 * runner's instance profile, a role in another account) that may publish a project. Pure
 * rules: what such a publisher is, how an admin's input is checked, how STS's answer to
 * GetCallerIdentity is read, and which publishers that answer matches. The signed request
 * itself is checked in lambdas/core/aws-sts-request.ts; forwarding and minting in
 * lambdas/app/aws-identity.ts.
 *
 * A publisher names the role by its ARN (`arn:aws:iam::ACCOUNT:role/PATH/NAME`). STS answers
 * a role session as `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION` (no path) with
 * `UserId` = `ROLEID:SESSION`, so matching compares the account and the role name (IAM role
 * names are unique within an account whatever their path, and compared without case), and
 * the role's unique id (`AROA...`) once it is known: a role deleted and re-created with the
 * same name gets a new id and does not match, as a re-created GitHub repository does not.
 * The id is given by the admin (`--role-id`) or taken from the first successful exchange and
 * kept from then on.
 *
 * IAM users are refused: their access keys are long-lived secrets, which trusted publishing
 * exists to do without; such a job can as well hold a Wharf token.
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from './errors.ts';
import { isValidName, normalizeName } from './names.ts';

export const AWS_PROVIDER = 'aws';

/** A trusted AWS publisher as stored. */
export interface AwsPublisherRecord {
  /** Derived from project, partition, account and role name: the same publisher twice is one record. */
  readonly id: string;
  /** Normalized project name (PEP 503). */
  readonly project: string;
  readonly provider: typeof AWS_PROVIDER;
  /** `aws`, or `aws-us-gov` for GovCloud. */
  readonly partition: string;
  /** The 12-digit account id the role is in. */
  readonly account: string;
  /** The role's name, as given (compared without case, as IAM does). */
  readonly roleName: string;
  /** The role's path, `/` or `/a/b/`: shown, not matched (STS's answer does not carry it). */
  readonly rolePath: string;
  /** The role's unique id (`AROA...`); empty until the first exchange pins it. */
  readonly roleId: string;
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface AwsPublisherInput {
  readonly project: string;
  readonly roleArn: string;
  readonly roleId?: string;
}

const PARTITIONS = ['aws', 'aws-us-gov'] as const;
const ACCOUNT = /^\d{12}$/;
/** IAM's role name characters, at most 64. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** IAM's path: `/`, or `/` segments `/`, printable ASCII, at most 512 characters. */
const ROLE_PATH = /^\/(?:[\x21-\x2e\x30-\x7e]+\/)*$/;
/** A role's unique id: AROA and upper-case letters and digits (21 characters today). */
export const ROLE_ID = /^AROA[A-Z0-9]{12,124}$/;

/** The role ARN of a publisher: what `aws iam get-role` prints as `Arn`. */
export function roleArnOf(p: Pick<AwsPublisherRecord, 'partition' | 'account' | 'rolePath' | 'roleName'>): string {
  return `arn:${p.partition}:iam::${p.account}:role${p.rolePath}${p.roleName}`;
}

export function awsPublisherId(p: Pick<AwsPublisherRecord, 'project' | 'partition' | 'account' | 'roleName'>): string {
  const key = [AWS_PROVIDER, p.project, p.partition, p.account, p.roleName.toLowerCase()].join('\n');
  return createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 16);
}

/** `{partition, account, rolePath, roleName}` of a role ARN; InvalidInputError says what to fix. */
export function parseRoleArn(arn: string): Pick<AwsPublisherRecord, 'partition' | 'account' | 'rolePath' | 'roleName'> {
  const text = arn.trim();
  const parts = text.split(':');
  const example = 'arn:aws:iam::123456789012:role/NAME (or role/PATH/NAME)';
  if (parts.length !== 6 || parts[0] !== 'arn') throw new InvalidInputError(`"${arn}" is not a role ARN such as ${example}.`);
  const [, partition, service, region, account, resource] = parts as [string, string, string, string, string, string];
  if (service === 'sts' && resource.startsWith('assumed-role/')) {
    const name = resource.split('/')[1] ?? 'NAME';
    throw new InvalidInputError(
      `"${arn}" is a role session, not the role: give the role's ARN, arn:${partition}:iam::${account}:role/${name} ` +
        `(with its path, if it has one: \`aws iam get-role --role-name ${name} --query Role.Arn\` prints it).`,
    );
  }
  if (service !== 'iam' || region !== '') throw new InvalidInputError(`"${arn}" is not an IAM role ARN such as ${example}.`);
  if (!(PARTITIONS as readonly string[]).includes(partition)) {
    throw new InvalidInputError(`"${arn}" is in partition "${partition}": Wharf trusts roles in ${PARTITIONS.join(' and ')}.`);
  }
  if (!ACCOUNT.test(account)) throw new InvalidInputError(`"${arn}" names account "${account}": an account id is 12 digits.`);
  if (resource.startsWith('user/')) {
    throw new InvalidInputError(
      `"${arn}" is an IAM user: Wharf trusts IAM roles only, since a user's access keys are long-lived secrets. ` +
        'Publish from a role (CodeBuild service role, instance profile, a role the job assumes), or give the job a Wharf token.',
    );
  }
  if (!resource.startsWith('role/')) throw new InvalidInputError(`"${arn}" is not an IAM role ARN such as ${example}.`);
  const rest = resource.slice('role'.length);
  const slash = rest.lastIndexOf('/');
  const rolePath = rest.slice(0, slash + 1);
  const roleName = rest.slice(slash + 1);
  if (!ROLE_NAME.test(roleName)) {
    throw new InvalidInputError(`"${roleName}" is not an IAM role name: up to 64 letters, digits and +=,.@_- characters.`);
  }
  if (rolePath.length > 512 || !ROLE_PATH.test(rolePath)) throw new InvalidInputError(`"${rolePath}" is not an IAM path such as / or /ci/.`);
  return { partition, account, rolePath, roleName };
}

/** Checks what an admin typed and returns the record to store. */
export function validateAwsPublisher(input: AwsPublisherInput, createdBy: string, now: Date): AwsPublisherRecord {
  if (typeof input.project !== 'string' || !isValidName(input.project)) {
    throw new InvalidInputError(`"${String(input.project)}" is not a valid project name.`);
  }
  if (typeof input.roleArn !== 'string' || input.roleArn.trim() === '') {
    throw new InvalidInputError('"roleArn" is missing: name the IAM role that may publish, such as arn:aws:iam::123456789012:role/release.');
  }
  const role = parseRoleArn(input.roleArn);
  const roleId = (input.roleId ?? '').trim();
  if (roleId !== '' && !ROLE_ID.test(roleId)) {
    throw new InvalidInputError(
      `"${roleId}" is not a role's unique id (AROA followed by capitals and digits): ` +
        `\`aws iam get-role --role-name ${role.roleName} --query Role.RoleId --output text\` prints it.`,
    );
  }
  const base = { project: normalizeName(input.project), ...role };
  return {
    id: awsPublisherId(base),
    ...base,
    provider: AWS_PROVIDER,
    roleId,
    createdBy,
    createdAt: now.toISOString(),
  };
}

/** Who STS says signed the request (GetCallerIdentity's answer). */
export interface CallerIdentity {
  readonly arn: string;
  readonly userId: string;
  readonly account: string;
}

/** An assumed-role session: the only kind of caller that may publish. */
export interface RoleSession {
  readonly partition: string;
  readonly account: string;
  readonly roleName: string;
  readonly roleId: string;
  readonly sessionName: string;
  readonly arn: string;
}

/** An exchange refused for a reason the caller can fix; codes in the style of Warehouse's. */
export class AwsIdentityError extends Error {
  constructor(
    readonly code: 'invalid-payload' | 'invalid-request' | 'invalid-identity' | 'invalid-publisher' | 'invalid-reuse-token',
    message: string,
  ) {
    super(message);
    this.name = 'AwsIdentityError';
  }
}

/**
 * The role session an identity is, or AwsIdentityError naming what it is instead (an IAM
 * user, the root user, a federated user).
 */
export function roleSessionOf(identity: CallerIdentity): RoleSession {
  const m = /^arn:(aws|aws-us-gov):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/([^/]+)$/.exec(identity.arn);
  if (!m) {
    const kind = /:iam::\d{12}:user\//.test(identity.arn)
      ? 'an IAM user, whose access keys are long-lived secrets'
      : /:iam::\d{12}:root$/.test(identity.arn)
        ? "the account's root user"
        : /:federated-user\//.test(identity.arn)
          ? 'a federated user (GetFederationToken), made from an IAM user\'s keys'
          : 'not a role session';
    throw new AwsIdentityError(
      'invalid-identity',
      `The request was signed by ${identity.arn}, ${kind}: Wharf trusts IAM roles only. Sign with the credentials of a role ` +
        '(CodeBuild service role, EC2 instance profile, or a role assumed with sts:AssumeRole).',
    );
  }
  const [, partition, account, roleName, sessionName] = m as unknown as [string, string, string, string, string];
  const colon = identity.userId.indexOf(':');
  const roleId = colon < 0 ? identity.userId : identity.userId.slice(0, colon);
  if (identity.account !== account || !ROLE_ID.test(roleId) || identity.userId.slice(colon + 1) !== sessionName) {
    throw new AwsIdentityError('invalid-identity', `STS answered an inconsistent identity (${identity.arn}, user id ${identity.userId}, account ${identity.account}).`);
  }
  return { partition, account, roleName, roleId, sessionName, arn: identity.arn };
}

/** Why a publisher does not match this role session, or undefined when it does. */
export function awsMismatchOf(publisher: AwsPublisherRecord, session: RoleSession): string | undefined {
  if (session.partition !== publisher.partition) return `partition ${session.partition} is not ${publisher.partition}`;
  if (session.account !== publisher.account) return `account ${session.account} is not ${publisher.account}`;
  if (session.roleName.toLowerCase() !== publisher.roleName.toLowerCase()) return `role ${session.roleName} is not ${publisher.roleName}`;
  if (publisher.roleId !== '' && session.roleId !== publisher.roleId) {
    return (
      `role id ${session.roleId} is not ${publisher.roleId}: the role ${publisher.roleName} was deleted and created again. ` +
      'If that was you, remove the publisher and add it again (with --role-id of the new role)'
    );
  }
  return undefined;
}

/** The publishers that trust this role session; `invalid-publisher` with every candidate's reason when none does. */
export function matchAwsPublishers(candidates: readonly AwsPublisherRecord[], session: RoleSession): AwsPublisherRecord[] {
  const matched: AwsPublisherRecord[] = [];
  const reasons: string[] = [];
  for (const publisher of candidates) {
    const reason = awsMismatchOf(publisher, session);
    if (reason === undefined) matched.push(publisher);
    else reasons.push(`publisher ${publisher.id} (${publisher.project}, ${roleArnOf(publisher)}): ${reason}`);
  }
  if (matched.length === 0) {
    throw new AwsIdentityError(
      'invalid-publisher',
      `valid identity, but no corresponding publisher: no project trusts role ${session.roleName} of account ${session.account} ` +
        `(role id ${session.roleId}, session ${session.sessionName})${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}. ` +
        'Add one with `wharf publisher add --provider aws --role-arn ARN --project P`.',
    );
  }
  return matched;
}
