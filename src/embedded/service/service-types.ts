import type { Json } from '../../flux/json';

/** A request as the job-list service sees it, whether it came in-process or off the wire. */
export interface ServiceRequest {
  topic: string;
  /**
   * "json": an already-decoded object (in-process callers);
   * "raw": the payload frame's bytes exactly as received (the wire broker), which the
   *        service validates as Flux does (trailing NUL, JSON syntax, object);
   * "none": the message had no payload frame.
   */
  payload: { kind: 'json'; value: Json } | { kind: 'raw'; bytes: Uint8Array } | { kind: 'none' };
  /** The request carried the STREAMING flag. */
  streaming: boolean;
  /** Credentials the broker stamped on the request. */
  userid: number;
  rolemask: number;
  /** Identifies the requesting client, for job-list.disconnect bookkeeping. */
  sender: string;
  /**
   * The request's matchtag on the sender's connection (wire requests), which a later cancel
   * request names; in-process streams have a sender of their own instead.
   */
  matchtag?: number;
}

/** One response. errnum 0/undefined is success with `payload`; otherwise an error with an optional string. */
export interface ServiceResponse {
  payload?: Json;
  errnum?: number;
  errstr?: string;
}

/** Called once per response; streaming requests get several, the last an error (ENODATA at a normal end). */
export type Respond = (response: ServiceResponse) => void;

/** Whatever answers requests: the job-list service, a broker's wrapped service, a delayed one. */
export interface ServiceHandler {
  handle(request: ServiceRequest, respond: Respond): void;
}

/** The service a topic is routed to: the text before its first "." (flux-core broker/service.c). */
export function serviceOf(topic: string): string {
  const dot = topic.indexOf('.');
  return dot === -1 ? topic : topic.slice(0, dot);
}
