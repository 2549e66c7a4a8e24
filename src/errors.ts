/**
 * Errors that end a command. Only src/cli turns them into an exit code and a message;
 * every message says what is wrong and what to do next.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  findings: 3,
  collection: 4,
  snapshot: 5,
  partial: 6,
} as const;

export class AppError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad option, config file or value (exit 2). */
export class UsageError extends AppError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** Nothing could be collected: authentication, network, endpoint (exit 4). */
export class CollectionError extends AppError {
  constructor(message: string) {
    super(message, EXIT.collection);
  }
}

/** Some sources could not be collected and --allow-partial was not given (exit 6). */
export class PartialCollectionError extends AppError {
  constructor(message: string) {
    super(message, EXIT.partial);
  }
}

/** The snapshot is missing, incomplete, tampered with or of an unknown schema (exit 5). */
export class SnapshotError extends AppError {
  constructor(message: string) {
    super(message, EXIT.snapshot);
  }
}

/** Something unexpected inside the tool (exit 1). */
export class InternalError extends AppError {
  constructor(message: string) {
    super(message, EXIT.failure);
  }
}
