/**
 * A promise rejection nobody handles ends a Node process by default. One can come from a
 * library below us (graphql's executor leaves one unhandled for a list whose later item fails
 * synchronously after earlier items failed asynchronously), and it must not take every other
 * user's requests down with it: the server logs it and keeps serving.
 */
import type { Logger } from 'pino';

export function keepServingOnUnhandledRejections(logger: Pick<Logger, 'error'>): () => void {
  const listener = (reason: unknown): void => {
    const detail = reason instanceof Error ? { error: reason.message, stack: reason.stack } : { error: String(reason) };
    logger.error(detail, 'unhandled promise rejection; the server keeps serving');
  };
  process.on('unhandledRejection', listener);
  return () => {
    process.off('unhandledRejection', listener);
  };
}
