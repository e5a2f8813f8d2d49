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

/** The thing asked for does not exist. */
export class NotFoundError extends WharfError {}

/** A file with this filename exists with other content. */
export class FileExistsError extends WharfError {}
