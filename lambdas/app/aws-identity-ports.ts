/**
 * The ports of publishing from AWS (lambdas/app/aws-identity.ts): STS, which says who signed
 * a GetCallerIdentity request, and the store of AWS publishers (the tokens table, beside the
 * other trusted publishers).
 */
import type { AwsPublisherRecord, CallerIdentity } from '../core/aws-publisher.ts';
import type { CheckedStsRequest } from '../core/aws-sts-request.ts';

export interface CallerIdentityPort {
  /**
   * Sends the checked request to STS: the identity STS answers, AwsIdentityError
   * `invalid-identity` with STS's code and message when it refuses the request (a bad or
   * expired signature, unknown keys), ServiceUnavailableError when STS cannot be reached.
   */
  callerIdentity(request: CheckedStsRequest): Promise<CallerIdentity>;
}

export interface AwsPublisherStore {
  /** Store a publisher unless one with its id exists; returns the stored one and whether it is new. */
  putAwsPublisher(publisher: AwsPublisherRecord): Promise<{ readonly publisher: AwsPublisherRecord; readonly created: boolean }>;
  /** The publishers of roles in this account: one Query, what an exchange needs. */
  awsPublishersForAccount(account: string): Promise<AwsPublisherRecord[]>;
  listAwsPublishers(): Promise<AwsPublisherRecord[]>;
  deleteAwsPublisher(id: string, removedBy: string, removedAt: string): Promise<AwsPublisherRecord | undefined>;
  /**
   * Sets the role id of a publisher that has none yet (first use); the publisher as now
   * stored, or undefined when it is gone or another id was pinned first.
   */
  pinRoleId(publisher: AwsPublisherRecord, roleId: string): Promise<AwsPublisherRecord | undefined>;
}
