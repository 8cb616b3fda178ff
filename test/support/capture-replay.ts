/**
 * A broker that answers with recorded bytes: given the messages of a captured session, each
 * request a client sends is matched with the recorded request of the same topic, flags and
 * payload (compared as JSON, so that Python's spacing matches libflux's), and answered with the
 * responses the broker sent to that one, re-tagged with the client's matchtag. Responses that
 * came after the client's cancel of a stream are held until the client sends its cancel. A
 * request that matches nothing recorded is answered ENOSYS, naming it.
 */
import { Errno } from '../../src/flux/constants';
import { decodeJsonPayload, encodeMessage, type FluxMessage, MessageFlag, MessageType } from '../../src/flux/message';
import { frameRecord } from '../../src/flux/stream-framing';
import type { CapturedMessage } from './job-info-fixtures';
import { responseTo, type ScriptedBroker, startScriptedBroker } from './scripted-broker';

export interface ReplayBroker {
  broker: ScriptedBroker;
  /** Each client request and the recorded one it matched (undefined: none matched, nothing was sent back). */
  matched: { sent: FluxMessage; recorded: CapturedMessage | undefined }[];
  close(): Promise<void>;
}

function payloadJson(msg: FluxMessage): string {
  return msg.payload === undefined ? '' : JSON.stringify(decodeJsonPayload(msg.payload), (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

function sameRequest(sent: FluxMessage, recorded: FluxMessage): boolean {
  return sent.topic === recorded.topic && sent.flags === recorded.flags && payloadJson(sent) === payloadJson(recorded);
}

function isCancelOf(message: CapturedMessage, tag: number): boolean {
  if (message.dir !== 'client->broker' || (message.msg.flags & MessageFlag.NORESPONSE) === 0 || message.msg.payload === undefined) return false;
  const payload = decodeJsonPayload(message.msg.payload) as { matchtag?: number };
  return payload.matchtag === tag;
}

/** The bytes of a recorded response, with the matchtag the client used. */
function retagged(response: CapturedMessage, tag: number): Uint8Array {
  return response.msg.aux2 === tag ? response.bytes : frameRecord(encodeMessage({ ...response.msg, aux2: tag }));
}

export async function startReplayBroker(socketPath: string, session: readonly CapturedMessage[]): Promise<ReplayBroker> {
  const used = new Set<number>();
  /** Responses held for the recorded stream a cancel (by the client's own tag) releases. */
  const heldUntilCancel = new Map<number, { responses: CapturedMessage[]; sentTag: number }>();
  const matched: ReplayBroker['matched'] = [];

  const broker = await startScriptedBroker(socketPath, (sent, peer) => {
    if (sent.type !== MessageType.REQUEST) return;
    if ((sent.flags & MessageFlag.NORESPONSE) !== 0 && sent.payload !== undefined) {
      const tag = (decodeJsonPayload(sent.payload) as { matchtag?: number }).matchtag;
      const held = tag === undefined ? undefined : heldUntilCancel.get(tag);
      const recorded = session.find((m) => !used.has(m.line) && m.dir === 'client->broker' && sameRequest(sent, m.msg));
      if (recorded !== undefined) used.add(recorded.line);
      matched.push({ sent, recorded });
      if (held !== undefined && tag !== undefined) {
        heldUntilCancel.delete(tag);
        for (const response of held.responses) peer.sendRaw(retagged(response, held.sentTag));
      }
      return;
    }
    const index = session.findIndex((m) => !used.has(m.line) && m.dir === 'client->broker' && sameRequest(sent, m.msg));
    const recorded = index === -1 ? undefined : (session[index] as CapturedMessage);
    matched.push({ sent, recorded });
    if (recorded === undefined) {
      // Fail the client's request at once rather than leave it waiting for its timeout.
      if ((sent.flags & MessageFlag.NORESPONSE) === 0) peer.send(responseTo(sent, { errnum: Errno.ENOSYS, errstr: `replay: no recorded ${sent.topic} request matches ${payloadJson(sent)}` }));
      return;
    }
    used.add(recorded.line);
    const tag = recorded.msg.aux2;
    const before: CapturedMessage[] = [];
    const after: CapturedMessage[] = [];
    let cancelled = false;
    for (const message of session.slice(index + 1)) {
      // The tag is free again once another request of the session uses it.
      if (message.dir === 'client->broker' && message.msg.aux2 === tag && (message.msg.flags & MessageFlag.NORESPONSE) === 0) break;
      if (isCancelOf(message, tag)) cancelled = true;
      else if (message.dir === 'broker->client' && message.msg.aux2 === tag && message.msg.topic === recorded.msg.topic) (cancelled ? after : before).push(message);
    }
    for (const response of before) peer.sendRaw(retagged(response, sent.aux2));
    if (after.length > 0) heldUntilCancel.set(sent.aux2, { responses: after, sentTag: sent.aux2 });
  });
  return { broker, matched, close: () => broker.close() };
}
