/**
 * A small service for broker and connector tests, standing in for job-list:
 * topics under "test." echo, stream, fail, hold or never answer.
 */
import { Errno } from '../../src/flux/constants';
import type { Json, JsonObject } from '../../src/flux/json';
import { decodeJsonPayload } from '../../src/flux/message';
import type { Respond, ServiceHandler, ServiceRequest } from '../../src/embedded/service/service-types';

export interface FakeService extends ServiceHandler {
  requests: ServiceRequest[];
  /** Responders of requests the service is holding open (test.hang, test.hold). */
  held: Respond[];
  /** Deferred answers of test.deferred, released by releaseDeferred(). */
  releaseDeferred(order?: 'reverse'): void;
}

function payloadOf(req: ServiceRequest): Json | undefined {
  if (req.payload.kind === 'raw') return decodeJsonPayload(req.payload.bytes);
  if (req.payload.kind === 'json') return req.payload.value;
  return undefined;
}

export function createFakeService(): FakeService {
  const requests: ServiceRequest[] = [];
  const held: Respond[] = [];
  let deferred: Array<() => void> = [];
  return {
    requests,
    held,
    releaseDeferred(order) {
      const now = order === 'reverse' ? [...deferred].reverse() : deferred;
      deferred = [];
      for (const answer of now) answer();
    },
    handle(req, respond) {
      requests.push(req);
      const payload = payloadOf(req);
      switch (req.topic) {
        case 'test.echo':
          respond({
            payload: {
              echo: payload ?? null,
              userid: req.userid,
              rolemask: req.rolemask,
              sender: req.sender,
              streaming: req.streaming,
              payloadKind: req.payload.kind,
            },
          });
          return;
        case 'test.deferred':
          deferred.push(() => respond({ payload: { answer: payload ?? null } }));
          return;
        case 'test.count': {
          if (!req.streaming) {
            respond({ errnum: Errno.EPROTO, errstr: 'test.count needs the STREAMING flag' });
            return;
          }
          const n = Number((payload as JsonObject).n);
          for (let i = 0; i < n; i++) respond({ payload: { i } });
          respond({ errnum: Errno.ENODATA });
          return;
        }
        case 'test.hold':
          // Streams two responses, then waits for the test to finish it.
          respond({ payload: { i: 0 } });
          respond({ payload: { i: 1 } });
          held.push(respond);
          return;
        case 'test.hang':
          held.push(respond);
          return;
        case 'test.fail':
          respond({ errnum: Errno.EINVAL, errstr: 'bad thing requested' });
          return;
        case 'test.enoent':
          respond({ errnum: Errno.ENOENT });
          return;
        case 'test.empty':
          respond({});
          return;
        case 'test.throw':
          throw new Error('service exploded');
        case 'test.disconnect':
          return;
        default:
          respond({ errnum: Errno.ENOSYS, errstr: `Unknown service method '${req.topic}'` });
      }
    },
  };
}
