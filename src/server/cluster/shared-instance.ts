/**
 * The embedded instance (or snapshot) of `serve --workers`, held once by the broker child and
 * reached by every worker over local://, so that all workers see the same jobs and the same live
 * workload. Both ends are here: the broker child serves the instance as its owner (as the
 * in-process handle of a single server does), and each worker opens a backend that answers as a
 * single server's embedded backend would: the instance's clock, its users, its description.
 */
import { openHandle } from '../../flux/connect';
import { serveBroker } from '../../embedded/wire/broker';
import { withLatency } from '../../embedded/wire/latency';
import { systemUserDatabase } from '../../joblist/user-database';
import { openEmbeddedInstance, userTableOf, type Backend, type EmbeddedBackend } from '../backend';
import { openSnapshotEmbedded } from '../snapshot-backend';
import { ownerOf } from '../server-user';
import type { BrokerChildStart, InstanceClock, SharedInstance } from './messages';

export interface ServingInstance {
  shared: SharedInstance;
  close(): Promise<void>;
}

/**
 * Opens the instance the settings describe and serves it on `start.socketPath`. Requests arrive
 * with the owner's credentials unless they carry a user's, as they do from the in-process handle.
 */
export async function serveSharedInstance(start: BrokerChildStart, onLiveError: (error: unknown) => void): Promise<ServingInstance & { readonly description: string }> {
  const embedded: EmbeddedBackend =
    start.snapshot === undefined ? await openEmbeddedInstance(start.embedded, { onLiveError }) : await openSnapshotEmbedded(start.snapshot);
  const owner = ownerOf(embedded);
  let broker;
  try {
    broker = await serveBroker(withLatency(embedded.instance.services, start.embedded.latencyMs), {
      path: start.socketPath,
      userid: owner.userid,
      serviceNames: embedded.instance.services.names,
    });
  } catch (error) {
    await embedded.close();
    throw error;
  }
  const shared: SharedInstance = {
    uri: `local://${broker.path}`,
    description: embedded.description,
    clock: clockOf(embedded, start),
    ...(embedded.users === undefined ? {} : { users: embedded.users }),
    owner,
  };
  return {
    shared,
    get description() {
      return embedded.description;
    },
    close: async () => {
      await broker.close();
      await embedded.close();
    },
  };
}

/** A generated workload runs on the wall clock; a snapshot's clock stands at its moment, or runs on from it. */
function clockOf(embedded: EmbeddedBackend, start: BrokerChildStart): InstanceClock {
  if (start.snapshot === undefined) return { offsetSeconds: 0 };
  const now = embedded.instance.now();
  return start.snapshot.live ? { offsetSeconds: now - Date.now() / 1000 } : { frozenAt: now };
}

export function clockFunction(clock: InstanceClock): () => number {
  if ('frozenAt' in clock) {
    const at = clock.frozenAt;
    return () => at;
  }
  const offset = clock.offsetSeconds;
  return () => Date.now() / 1000 + offset;
}

/** A worker's backend: its own local:// connection to the broker child, answering as the embedded backend does. */
export async function openSharedInstanceBackend(shared: SharedInstance): Promise<Backend & { describe(description: string): void }> {
  const handle = await openHandle(shared.uri);
  let description = shared.description;
  const table = shared.users === undefined ? undefined : userTableOf(shared.users);
  // A snapshot records uids only; a single server names them from this machine's password database too.
  const usernameOf = table?.usernameOf ?? ((uid: number) => systemUserDatabase().nameOf(uid));
  return {
    handle,
    get description() {
      return description;
    },
    describe(next) {
      description = next;
    },
    jobInfo: { now: clockFunction(shared.clock), usernameOf },
    ...(table === undefined ? {} : { userDatabase: table.userDatabase }),
    serverUser: shared.owner,
    close: () => handle.close(),
  };
}
