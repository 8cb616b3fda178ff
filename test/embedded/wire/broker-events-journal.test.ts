/**
 * job-manager.events-journal behind the wire broker: session 10 of the 0.88 capture replayed
 * request by request on a raw connection against the same jobs (headers as recorded, payloads
 * equal to the recorded ones, the sentinel, the cancel's ENODATA and the two refusals byte for
 * byte), and src/flux's StreamHandle reading it with watchJournal: leaving the loop cancels the
 * journal over the wire, closing the connection drops it.
 */
import * as fs from 'node:fs';
import { Errno, Role } from '../../../src/flux/constants';
import type { EventlogEntry, Jobspec, ResourceSet } from '../../../src/flux/jobspec';
import { decodeJsonPayload, encodeMessage, type FluxMessage } from '../../../src/flux/message';
import { openLocalHandle } from '../../../src/flux/local-connector';
import { frameRecord } from '../../../src/flux/stream-framing';
import { watchJournal, type JournalItem } from '../../../src/jobinfo';
import { EmbeddedInstance } from '../../../src/embedded';
import { serveBroker, type RunningBroker } from '../../../src/embedded/wire/broker';
import { ev, job } from '../job-builders';
import { captured, capturedJson } from '../job-info-fixtures';
import { connectRaw, type RawClient } from '../../support/raw-client';
import { tmpSocketPath } from '../../support/scripted-broker';

const T0 = 1796190000;
const GUEST = 5001;
const LIVE = 18623129190400n;

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const recordedHex = (line: number): string => hexOf(frameRecord(encodeMessage(captured(line).message)));

/** What a response is apart from its payload: type, flags, credentials, errnum, matchtag, topic. */
function header(message: FluxMessage): unknown[] {
  return [message.type, message.flags, message.userid, message.rolemask, message.aux1, message.aux2, message.topic];
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !predicate(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!predicate()) throw new Error(`never happened: ${what}`);
}

describe('the events journal over the wire broker', () => {
  const { dir, path: socketPath } = tmpSocketPath();
  let instance: EmbeddedInstance;
  let broker: RunningBroker;
  const raws: RawClient[] = [];

  beforeAll(async () => {
    instance = new EmbeddedInstance({ ownerUserid: 0 });
    // Session 10's two active jobs as they stood when the journal opened (lines 85 and 86).
    for (const line of [85, 86]) {
      const { id, events, jobspec, R } = capturedJson(line) as unknown as { id: number; events: EventlogEntry[]; jobspec: Jobspec; R?: ResourceSet };
      instance.sink.ingest({ id: BigInt(id), jobspec, ...(R === undefined ? {} : { R }), eventlog: events });
    }
    const services = instance.servicesOwnedBy(0);
    broker = await serveBroker(services, { path: socketPath, userid: 0, serviceNames: services.names, log: () => undefined });
  });
  afterAll(async () => {
    for (const raw of raws) await raw.close();
    await broker.close();
    instance.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function raw(): Promise<RawClient> {
    const client = await connectRaw(socketPath);
    raws.push(client);
    return client;
  }

  it('serves job-manager next to job-list and job-info', () => {
    expect(instance.services.names).toEqual(['job-list', 'job-info', 'job-manager', 'attr']);
  });

  it("session 10 (Python's events-journal {}): backlog, sentinel, live events and the cancel's end as recorded", async () => {
    const client = await raw();
    client.send(captured(84).message);
    await client.waitForMessages(3);
    // The live job comes and goes while the journal is open (lines 88-98).
    const submitted = capturedJson(88) as unknown as { events: EventlogEntry[]; jobspec: Jobspec };
    instance.sink.ingest({ id: LIVE, jobspec: submitted.jobspec, eventlog: submitted.events });
    for (let line = 89; line <= 98; line++) {
      const { events, R } = capturedJson(line) as unknown as { events: EventlogEntry[]; R?: ResourceSet };
      instance.sink.post(LIVE, events[0] as EventlogEntry, R);
    }
    await client.waitForMessages(14);
    const lines = Array.from({ length: 14 }, (_, i) => 85 + i);
    expect(client.messages.map(header)).toEqual(lines.map((line) => header(captured(line).message)));
    expect(client.messages.map((m) => decodeJsonPayload(m.payload as Uint8Array))).toEqual(lines.map((line) => capturedJson(line)));
    // The sentinel has no real-typed value, so it is the recorded bytes exactly.
    expect(hexOf(client.records[2] as Uint8Array)).toBe(recordedHex(87));
    expect(instance.journal.openStreams).toBe(1);
    client.send(captured(99).message);
    await client.waitForMessages(15);
    expect(hexOf(client.records[14] as Uint8Array)).toBe(recordedHex(100));
    expect(instance.journal.openStreams).toBe(0);
  });

  it.each<[string, number, number, { userid: number; rolemask: number } | undefined]>([
    ['the journal without the STREAMING flag (session 11)', 140, 141, undefined],
    ['a guest asking for the journal (session 13)', 152, 153, { userid: GUEST, rolemask: Role.USER }],
  ])('%s: the recorded error, byte for byte', async (_label, request, response, credentials) => {
    const client = await raw();
    const message = captured(request).message;
    client.send(credentials === undefined ? message : { ...message, ...credentials });
    await client.waitForMessages(1);
    expect(client.records.map(hexOf)).toEqual([recordedHex(response)]);
    expect(instance.journal.openStreams).toBe(0);
  });

  it('watchJournal over local://: the backlog, the sentinel, live events; leaving the loop cancels the journal', async () => {
    const handle = await openLocalHandle(socketPath);
    const items: JournalItem[] = [];
    for await (const item of watchJournal(handle)) {
      items.push(item);
      if (item.kind === 'sentinel') {
        instance.sink.ingest(job(9000n, 'new', T0, { userid: 0 }));
        instance.sink.post(9000n, ev('validate', T0 + 1));
        instance.sink.post(9000n, ev('exception', T0 + 2, { type: 'cancel', severity: 0, note: '', userid: 0 }));
        instance.sink.post(9000n, ev('clean', T0 + 3));
      }
      if (item.kind === 'event' && item.entry.name === 'clean') break;
    }
    expect(items.map((item) => (item.kind === 'sentinel' ? 'sentinel' : `${item.kind} ${item.id}`))).toEqual([
      'backlog 18616619630592',
      'backlog 18618867777536',
      'sentinel',
      'event 9000',
      'event 9000',
      'event 9000',
      'event 9000',
    ]);
    expect(items[3]).toMatchObject({ entry: { name: 'submit', context: { userid: 0, urgency: 16, flags: 0, version: 1 } }, jobspec: { version: 1 } });
    // Requests on one connection are handled in order: once this answer is back, so is the cancel.
    await handle.rpc('job-list.list-attrs', {});
    expect(instance.journal.openStreams).toBe(0);
    // The tag came back with the journal's ENODATA: the next journal gets it again and works.
    const again: JournalItem[] = [];
    for await (const item of watchJournal(handle)) {
      again.push(item);
      if (item.kind === 'sentinel') break;
    }
    expect(again.map((item) => item.kind)).toEqual(['backlog', 'backlog', 'sentinel']);
    await handle.close();
  });

  it('closing the connection drops its journals (job-manager.disconnect)', async () => {
    const handle = await openLocalHandle(socketPath);
    const stream = watchJournal(handle)[Symbol.asyncIterator]();
    expect((await stream.next()).value).toMatchObject({ kind: 'backlog' });
    expect(instance.journal.openStreams).toBe(1);
    await handle.close();
    await until(() => instance.journal.openStreams === 0, 'the journal dropped at disconnect');
    expect(instance.journal.openStreams).toBe(0);
  });

  it('a cancel from another connection, or naming another tag, leaves the journal open', async () => {
    const client = await raw();
    client.send(captured(84).message);
    await client.waitForMessages(3);
    const other = await raw();
    other.send(captured(99).message);
    const cancelOf = (matchtag: number): FluxMessage => ({ ...captured(99).message, payload: new TextEncoder().encode(`{"matchtag": ${matchtag}}\0`) });
    client.send(cancelOf(2));
    // An answer on the same connection proves both cancels have been handled.
    client.send({ ...captured(140).message, aux2: 9 });
    await client.waitForMessages(4);
    expect([client.messages[3]?.aux1, client.messages[3]?.aux2]).toEqual([Errno.EPROTO, 9]);
    expect(other.messages).toEqual([]);
    expect(instance.journal.openStreams).toBe(1);
    client.send(cancelOf(1));
    await client.waitForMessages(5);
    expect([client.messages[4]?.aux1, client.messages[4]?.aux2, client.messages[4]?.payload]).toEqual([Errno.ENODATA, 1, undefined]);
    expect(instance.journal.openStreams).toBe(0);
  });
});
