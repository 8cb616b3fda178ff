/**
 * How fast `serve --workers` restarts workers that die: at most `limit` restarts in any window of
 * `windowMs`. A restart beyond that waits until the oldest one in the window has left it, so a
 * worker that dies at once on every start (a bad deployment, a query that crashes it) costs a few
 * starts a minute, not a busy loop, while the other workers go on serving.
 */
export class RestartBudget {
  /** When each restart was (or is to be) made, oldest first. */
  private readonly scheduled: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer (got ${limit})`);
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive (got ${windowMs})`);
  }

  /** Books a restart asked for at `nowMs` and says how long to wait before making it (0: at once). */
  reserve(nowMs: number): number {
    while (this.scheduled.length > 0 && (this.scheduled[0] as number) <= nowMs - this.windowMs) this.scheduled.shift();
    const at = this.scheduled.length < this.limit ? nowMs : Math.max(nowMs, (this.scheduled[this.scheduled.length - this.limit] as number) + this.windowMs);
    this.scheduled.push(at);
    return at - nowMs;
  }
}
