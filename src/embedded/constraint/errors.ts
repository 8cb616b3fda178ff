/**
 * The two ways a `job-list.list` constraint can fail. Messages are Flux's own detail texts, since
 * clients compare them; the service adds Flux's "invalid payload: constraint object invalid: " prefix.
 */

/** The constraint object is malformed; the message is the detail text Flux would send. */
export class ConstraintError extends Error {
  override readonly name: string = 'ConstraintError';
  readonly code = 'INVALID_CONSTRAINT' as const;
  constructor(message: string) {
    super(message);
  }
}

export const EXCESSIVE_COMPARISONS_MESSAGE = 'Excessive comparisons made, limit search via states or since';

/** A request used up its comparison budget (`[job-list] max_comparisons`). */
export class ExcessiveComparisonsError extends Error {
  override readonly name: string = 'ExcessiveComparisonsError';
  readonly code = 'EXCESSIVE_COMPARISONS' as const;
  constructor() {
    super(EXCESSIVE_COMPARISONS_MESSAGE);
  }
}
