/**
 * Google Cloud publishers: a service account, as the identity tokens Google signs for it say
 * (Cloud Build, a GCE VM, Cloud Run: the metadata server's `identity` endpoint). Rules as
 * Warehouse's Google publisher (`warehouse/oidc/models/google.py`): `email` must be the
 * service account's, `email_verified` must be true, and `sub` (the account's unique numeric
 * id) must match when the publisher names it. Naming it is what keeps a deleted and
 * re-created account of the same email from publishing, so `wharf publisher add` says so.
 *
 * Google's tokens carry no `jti`; the one-use rule spends the token's signature instead
 * (RS256 signatures are deterministic, so the same token always has the same one).
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors.ts';
import { claim, requireClaims, text, TrustedPublishingError, type Claims, type PublisherBase, type PublisherRules } from './common.ts';

export const GOOGLE_ISSUER = 'https://accounts.google.com';

export interface GooglePublisher extends PublisherBase {
  readonly provider: 'google';
  /** The service account's email, lower-cased. */
  readonly email: string;
  /** The service account's unique id (`sub`); empty: any account with this email. */
  readonly subject: string;
}

const EMAIL = /^[a-z0-9][a-z0-9._+-]{0,63}@[a-z0-9-]+(\.[a-z0-9-]+)+$/;
const SUBJECT = /^[0-9]{1,64}$/;

export const GOOGLE_RULES: PublisherRules<GooglePublisher> = {
  provider: 'google',
  label: 'Google Cloud',
  fields: ['email', 'subject'],
  requiredFields: ['email'],

  validate(input) {
    const email = (input['email'] ?? '').trim().toLowerCase();
    if (!EMAIL.test(email) || email.length > 254) {
      throw new InvalidInputError(`"${email}" is not a service account email such as "release@acme-build.iam.gserviceaccount.com".`);
    }
    const subject = (input['subject'] ?? '').trim();
    if (subject !== '' && !SUBJECT.test(subject)) {
      throw new InvalidInputError(
        `"${subject}" is not a service account's unique id: it is a number, which ` +
          `\`gcloud iam service-accounts describe ${email} --format='value(uniqueId)'\` prints.`,
      );
    }
    return { email, subject };
  },

  identityOf: (p) => [p.email, p.subject],
  lookupKey: (p) => p.email,
  registeredClaims: ['exp', 'iat'],

  lookupKeyOfClaims(claims) {
    requireClaims(claims, ['sub', 'email'], 'a Google Cloud identity token of a service account');
    return text(claims['email']);
  },

  mismatchOf(publisher, claims) {
    if (claim(claims, 'email') !== publisher.email) return `service account ${String(claims['email'])} is not ${publisher.email}`;
    if (claims['email_verified'] !== true) return `the email ${publisher.email} is not verified (email_verified is not true)`;
    if (publisher.subject !== '' && claim(claims, 'sub') !== publisher.subject) {
      return `service account id ${String(claims['sub'])} is not ${publisher.subject}`;
    }
    return undefined;
  },

  describeClaims: (claims) => `service account ${text(claims['email'])} (id ${text(claims['sub'])})`,

  describe: (p) => `google service account ${p.email}${p.subject === '' ? ' (any unique id)' : ` (unique id ${p.subject})`}`,

  replayIdOf(_claims, token) {
    const signature = token.split('.')[2];
    if (!signature) throw new TrustedPublishingError('invalid-token', 'malformed or invalid token: it has no signature.');
    return `sig:${createHash('sha256').update(Buffer.from(signature, 'base64url')).digest('hex')}`;
  },

  identity(claims) {
    const email = text(claims['email']);
    return {
      summary: `service account ${email}`,
      createdBy: `oidc:google:${email}`,
      audit: { email, subject: text(claims['sub']), authorizedParty: text(claims['azp']) },
    };
  },
};
