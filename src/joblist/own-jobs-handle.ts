/**
 * --own-jobs-only: what job-list's private mode does, done again on the server's side, for a
 * site that wants it whatever its instance's configuration. Every job-list.list gets the
 * user's userid constraint, a job-list.list-id answer for another user's job becomes the
 * ENOENT Flux gives for a job it does not show, and the job-stats methods are EPERM.
 */
import { mapStream } from '../flux/stream-map';
import { Errno } from '../flux/constants';
import { FluxRpcError } from '../flux/errors';
import type { FluxHandle, RpcOptions } from '../flux/handle';
import type { Json, JsonObject } from '../flux/json';
import { LIST_ID_TOPIC } from './job-list-id';
import { LIST_TOPIC } from './job-list-rpc';
import { JOB_STATS_TOPIC } from './job-stats-rpc';

const STATS_TOPICS = new Set([JOB_STATS_TOPIC, 'job-list.stats-get']);

function ownListPayload(payload: JsonObject | undefined, userid: number): JsonObject | undefined {
  if (payload === undefined) return payload;
  const own: JsonObject = { userid: [userid] };
  const constraint = payload['constraint'];
  return { ...payload, constraint: constraint === undefined || constraint === null ? own : { and: [constraint, own] } };
}

/** list-id must report userid for the check; the caller gets only the attributes it asked for. */
function withUserid(payload: JsonObject | undefined): { payload: JsonObject | undefined; added: boolean } {
  const attrs = payload?.['attrs'];
  if (payload === undefined || !Array.isArray(attrs) || attrs.includes('userid') || attrs.includes('all')) return { payload, added: false };
  return { payload: { ...payload, attrs: [...attrs, 'userid'] }, added: true };
}

export function withOwnJobsOnly(handle: FluxHandle, userid: number): FluxHandle {
  const refuse = (topic: string): FluxRpcError => new FluxRpcError(topic, Errno.EPERM);
  return {
    get uri() {
      return handle.uri;
    },
    async rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> {
      if (STATS_TOPICS.has(topic)) throw refuse(topic);
      if (topic === LIST_TOPIC) return handle.rpc(topic, ownListPayload(payload, userid), options);
      if (topic !== LIST_ID_TOPIC) return handle.rpc(topic, payload, options);
      const asked = withUserid(payload);
      const response = await handle.rpc(topic, asked.payload, options);
      const job = (response as { job?: Record<string, Json> } | undefined)?.job;
      if (job === undefined || job['userid'] !== userid) throw new FluxRpcError(topic, Errno.ENOENT, '');
      if (asked.added) delete job['userid'];
      return response;
    },
    rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> {
      return mapStream(
        () => {
          if (STATS_TOPICS.has(topic)) throw refuse(topic);
          return handle.rpcStream(topic, topic === LIST_TOPIC ? ownListPayload(payload, userid) : payload, options);
        },
        (response) => response,
      );
    },
    close: () => handle.close(),
  };
}
