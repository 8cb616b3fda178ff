/**
 * `serve --snapshot FILE` and `broker --snapshot FILE`: the jobs of a snapshot, served by an
 * embedded instance. Frozen by default (the clock stays at the moment the snapshot was taken);
 * with --live the clock runs on from that moment, so time-derived fields (runtime, time
 * remaining) advance, while the jobs themselves stay as they were recorded.
 */
import { openSnapshotInstance, type SnapshotSummary } from '../embedded/snapshot/instance';
import { systemUserDatabase } from '../joblist/user-database';
import { ownerOf } from './server-user';
import type { Backend, EmbeddedBackend } from './backend';

export interface SnapshotSettings {
  /** The snapshot file. */
  path: string;
  /** Run the clock on from the snapshot's time instead of freezing it. */
  live: boolean;
  /** As Flux's `[access] private-mode`: users other than the owner see only their own jobs. */
  privateMode?: boolean;
}

/** e.g. "snapshot /data/jobs.json: 59 jobs of local:///run/flux/local taken 2026-11-25T20:43:18Z, frozen". */
export function snapshotDescription(settings: SnapshotSettings, summary: SnapshotSummary): string {
  const taken = new Date(summary.taken * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const jobs = `${summary.jobs} ${summary.jobs === 1 ? 'job' : 'jobs'}`;
  return `snapshot ${settings.path}: ${jobs} of ${summary.source} taken ${taken}, ${settings.live ? 'clock running from then' : 'frozen'}`;
}

/** The snapshot's instance, for the wire broker. Throws SnapshotError for a bad file. */
export async function openSnapshotEmbedded(settings: SnapshotSettings): Promise<EmbeddedBackend> {
  const { instance, summary } = await openSnapshotInstance(settings.path, { clock: settings.live ? 'running' : 'frozen', privateMode: settings.privateMode === true });
  return {
    instance,
    service: instance.service,
    description: snapshotDescription(settings, summary),
    // A snapshot records uids only; names come from this machine's password database, as they
    // would for flux jobs run here.
    usernameOf: (uid) => systemUserDatabase().nameOf(uid),
    close: async () => {
      instance.close();
    },
  };
}

/** The snapshot's instance behind a handle, for the GraphQL server. Throws SnapshotError for a bad file. */
export async function openSnapshotBackend(settings: SnapshotSettings, options: { latencyMs?: number } = {}): Promise<Backend> {
  const embedded = await openSnapshotEmbedded(settings);
  const handle = embedded.instance.handle({ latencyMs: options.latencyMs ?? 0 });
  return {
    handle,
    description: embedded.description,
    jobInfo: { now: embedded.instance.now, usernameOf: embedded.usernameOf },
    serverUser: ownerOf(embedded),
    close: async () => {
      await handle.close();
      await embedded.close();
    },
  };
}
