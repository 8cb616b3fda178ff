/**
 * The answer to one job-by-ID lookup as a value: the record, "Flux does not know it", or the
 * error that kept us from knowing (an error response, a timeout, a malformed reply...).
 */
import type { FluxRpcError } from '../flux/errors';
import type { JobIdInput } from './job-list-id';
import type { JobRecord } from './job-record';

export type JobLookupOutcome =
  | { readonly kind: 'found'; readonly jobid: JobIdInput; readonly record: JobRecord }
  /** The service answered ENOENT; `error` is that answer. */
  | { readonly kind: 'notFound'; readonly jobid: JobIdInput; readonly error: FluxRpcError }
  /** Anything else: a FluxRpcError with its errno, a FluxError with its code, or a bug's Error. */
  | { readonly kind: 'failed'; readonly jobid: JobIdInput; readonly error: Error };
