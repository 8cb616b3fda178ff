/**
 * `flux-graphql snapshot`: takes the jobs of a live instance home as a snapshot file
 * (see src/embedded/snapshot/format.ts for the format). A progress bar goes to stderr when it is a
 * terminal; the file is written atomically, or streamed to stdout when no --output is given.
 */
import type { Writable } from 'node:stream';
import type { FluxHandle } from '../flux/handle';
import { takeSnapshot, type TakenSnapshot } from '../embedded/snapshot/take';
import { openAtomicFileSink, streamSink, type TextSink } from '../embedded/snapshot/writer';
import { ProgressBar } from './snapshot-progress';
import { DEFAULT_MAX_DETAIL_BYTES } from '../embedded/snapshot/detail-bound';
import { jobInfoDetailsFetch } from './snapshot-details';

export interface SnapshotCommandOptions {
  /** The instance to snapshot; resolved by the caller (flag, FLUX_URI or Flux's default). */
  fluxUri: string;
  /** Destination file; stdout when absent. */
  output?: string;
  /** Also take each job's eventlog, jobspec, R, exec eventlog and output from job-info. */
  details?: boolean;
  /** With details: most UTF-8 bytes of texts kept per job (DEFAULT_MAX_DETAIL_BYTES). */
  maxDetailBytes?: number;
}

/** The process pieces the command uses, injectable for tests. */
export interface SnapshotCommandIo {
  openHandle(uri: string): Promise<FluxHandle>;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  /** Milliseconds, for the summary line. */
  clock?: () => number;
}

/** Expected failures of the command itself (not of Flux or of the snapshot). */
export class SnapshotCommandError extends Error {
  override readonly name: string = 'SnapshotCommandError';
  readonly code = 'SNAPSHOT_OUTPUT' as const;
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

async function openOutput(path: string): Promise<TextSink> {
  try {
    return await openAtomicFileSink(path);
  } catch (error) {
    // Node names the temporary file in its message; the user only knows the destination.
    const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
    const reason = message.replace(/, \w+ '[^']*'$/, '');
    throw new SnapshotCommandError(`cannot write ${path}: ${reason}`, { cause: error });
  }
}

/**
 * Takes the snapshot; returns what was taken. Throws FluxError (cannot connect, RPC failed),
 * SnapshotError (the instance sent a record we could not serve back) or SnapshotCommandError.
 */
export async function runSnapshotCommand(options: SnapshotCommandOptions, io: SnapshotCommandIo): Promise<TakenSnapshot> {
  if (options.output === undefined && io.stdout.isTTY === true) {
    throw new SnapshotCommandError('refusing to write a snapshot to a terminal: give --output FILE or redirect stdout');
  }
  const clock = io.clock ?? Date.now;
  const started = clock();
  const progress = io.stderr.isTTY === true ? new ProgressBar(io.stderr, 'snapshot') : undefined;
  const handle = await io.openHandle(options.fluxUri);
  let sink: TextSink | undefined;
  let last: [number, number | undefined] = [0, undefined];
  try {
    sink = options.output === undefined ? streamSink(io.stdout) : await openOutput(options.output);
    const details = options.details === true ? { details: jobInfoDetailsFetch(handle, { maxBytes: options.maxDetailBytes ?? DEFAULT_MAX_DETAIL_BYTES }) } : {};
    const taken = await takeSnapshot(handle, sink, {
      ...details,
      onProgress: (written, expected) => {
        last = [written, expected];
        progress?.update(written, expected);
      },
      onNotice: (text) => {
        progress?.clear();
        io.stderr.write(`snapshot: ${text}\n`);
      },
    });
    progress?.finish(taken.jobs, last[1]);
    const where = options.output ?? 'stdout';
    io.stderr.write(`snapshot: ${taken.jobs} jobs from ${taken.source} written to ${where} in ${formatSeconds(clock() - started)}\n`);
    if (taken.details !== undefined) {
      const { jobs, cut, bytes } = taken.details;
      const over = cut === 0 ? '' : `; ${cut} over --max-detail-bytes kept their eventlog and left the rest out`;
      io.stderr.write(`snapshot: details of ${jobs} jobs, ${bytes} bytes of job-info texts${over}\n`);
    }
    return taken;
  } catch (error) {
    progress?.clear();
    throw error;
  } finally {
    await handle.close();
  }
}
