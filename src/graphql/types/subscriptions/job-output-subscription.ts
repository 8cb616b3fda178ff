/**
 * Subscription.jobOutput: a job's standard output and error as they are written, followed as
 * `flux job attach` follows them: the exec eventlog until the job shell says `shell.init`, then
 * the output eventlog (guest.output), each with the subscriber's credentials.
 */
import type { FluxHandle } from '../../../flux/handle';
import { JobInfoKey, OutputFollower, watchEventlog, type EventlogWatchItem, type OutputChunk } from '../../../jobinfo';
import { builder } from '../../builder';
import { eventOf, LiveQueue, pump, type LiveItem } from '../../live/live-queue';
import { watchFailure } from '../../live/watch-errors';
import { checkJobReadable } from './job-readable';

const JobOutputChunkRef = builder.objectRef<OutputChunk>('JobOutputChunk').implement({
  description: 'One piece of a job\'s output as the job shell logged it (an RFC 24 data event): some text of one stream from some tasks, or the end of the stream.',
  fields: (t) => ({
    stream: t.string({ description: '"stdout" or "stderr".', resolve: (chunk) => chunk.stream }),
    rank: t.string({ description: 'The task ranks the data is from, as the shell names them: an RFC 22 idset such as "0" or "[0-1]".', resolve: (chunk) => chunk.rank }),
    data: t.string({
      description: 'The data as the shell wrote it, empty for an end of stream alone. Text, or base64 when `encoding` is "base64" (bytes that are not UTF-8).',
      resolve: (chunk) => chunk.data,
    }),
    encoding: t.string({ description: '"UTF-8", or "base64" for data that is not valid UTF-8.', resolve: (chunk) => chunk.encoding }),
    eof: t.boolean({ description: 'The stream ends here for these ranks.', resolve: (chunk) => chunk.eof }),
    timestamp: t.float({ description: 'When the shell logged it (Unix seconds).', resolve: (chunk) => chunk.timestamp }),
  }),
});

/**
 * What jobOutput watches, in attach's order: the exec eventlog up to shell.init (that watch is
 * then cancelled, as attach does), then the output. Written as an iterator rather than a
 * generator so that the client leaving reaches whichever watch is open at once.
 */
function outputEntries(handle: FluxHandle, id: bigint, watching: { path: string }): AsyncIterable<EventlogWatchItem> {
  const watch = (path: string): AsyncIterator<EventlogWatchItem> => {
    watching.path = path;
    return watchEventlog(handle, { id, path }, { timeoutMs: 0 })[Symbol.asyncIterator]();
  };
  return {
    [Symbol.asyncIterator](): AsyncIterator<EventlogWatchItem> {
      let current: AsyncIterator<EventlogWatchItem> | undefined;
      let left = false;
      const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
      return {
        async next(): Promise<IteratorResult<EventlogWatchItem>> {
          current ??= watch(JobInfoKey.EXEC_EVENTLOG);
          for (;;) {
            if (left) return done;
            const result = await current.next();
            if (watching.path === JobInfoKey.OUTPUT || result.done === true) return result;
            // A job that ends without its shell starting has no output: the exec watch's end is the end.
            if (result.value.kind === 'entry' && result.value.entry.name === 'shell.init') {
              void current.return?.();
              current = watch(JobInfoKey.OUTPUT);
            }
          }
        },
        async return(): Promise<IteratorResult<EventlogWatchItem>> {
          left = true;
          void current?.return?.();
          return done;
        },
      };
    },
  };
}

builder.subscriptionField('jobOutput', (t) =>
  t.field({
    type: JobOutputChunkRef,
    description:
      "A job's standard output and error as the job shell writes them, like `flux job attach`: every chunk already logged, then " +
      'each new one. Completes at the end of the output (every task\'s streams ended or redirected), or when Flux ends the watch; ' +
      'a job that ends without starting completes with no chunks. Nothing comes while the job is pending. Errors as for jobEvents.',
    args: {
      id: t.arg({ type: 'JobID', required: true, description: 'The job, in any Flux job ID encoding.' }),
    },
    subscribe: async (_root, args, context) => {
      const id = args.id;
      await checkJobReadable(id, JobInfoKey.EVENTLOG, context);
      const queue = new LiveQueue<OutputChunk>(context.live.subscriberBuffer);
      const follower = new OutputFollower();
      const watching = { path: JobInfoKey.EXEC_EVENTLOG as string };
      pump(
        outputEntries(context.liveHandle, id, watching),
        queue,
        (item) => {
          if (item.kind !== 'entry' || watching.path !== JobInfoKey.OUTPUT) return [];
          const chunk = follower.add(item.entry);
          if (chunk === undefined) return follower.complete ? 'end' : [];
          if (follower.complete) {
            queue.push(chunk);
            return 'end';
          }
          return [chunk];
        },
        (error) => watchFailure(id, watching.path, error),
      );
      return queue;
    },
    resolve: (item: LiveItem<OutputChunk>) => eventOf(item),
  }),
);
