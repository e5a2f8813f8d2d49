/**
 * Domain errors. They know nothing about HTTP; lambdas/http/error-map.ts turns them into
 * status codes.
 */

export class WharfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that can never succeed as sent (bad name, bad filename, bad archive...). */
export class InvalidInputError extends WharfError {}

/**
 * A PEP 740 attestation that is malformed or does not verify: its signature, its
 * certificate chain, its statement's subject or the identity it was signed with (HTTP 400).
 */
export class AttestationError extends InvalidInputError {}

/** The thing asked for does not exist. */
export class NotFoundError extends WharfError {}

/** A service Wharf depends on (an OIDC issuer) could not be reached: retry later (HTTP 503). */
export class ServiceUnavailableError extends WharfError {}

/**
 * The upstream index could not answer: a bad or missing answer (`502`, bad gateway) or
 * none in time (`504`, gateway timeout). The two kinds are named by the gateway statuses
 * they are, which the error table passes on.
 */
export class UpstreamFailure extends WharfError {
  constructor(
    readonly status: 502 | 504,
    message: string,
  ) {
    super(message);
  }
}

/** A file with this filename exists with other content. */
export class FileExistsError extends WharfError {
  /** twine and other clients look for "File already exists" at the start of a 400 body. */
  static forFile(filename: string, existingSha256: string): FileExistsError {
    return new FileExistsError(
      `File already exists: ${filename} was published before with different content ` +
        `(sha256 ${existingSha256}). Published files are immutable: publish a new version instead.`,
    );
  }
}

/** No credentials, or credentials that do not identify a live token (HTTP 401). */
export class AuthenticationError extends WharfError {}

/** A valid token that lacks the scope the action needs (HTTP 403). */
export class ForbiddenError extends WharfError {}

/**
 * What a project's status (PEP 792) forbids: an upload to an archived or quarantined
 * project, a download of a quarantined one's file (HTTP 403).
 */
export class ProjectStatusError extends ForbiddenError {}

/** A body larger than this deployment accepts (HTTP 413). */
export class PayloadTooLargeError extends WharfError {}

/** The request clashes with what is stored: a pending publisher for a project that exists (HTTP 409). */
export class ConflictError extends WharfError {}

/** A new project whose name a pending trusted publisher holds (HTTP 403). */
export class NameReservedError extends ForbiddenError {}
