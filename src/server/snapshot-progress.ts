/**
 * A one-line progress bar for long snapshots, redrawn in place on a terminal. Redraws are
 * throttled: listing 100k jobs must not mean 100k writes to the terminal.
 */

export interface ProgressTerminal {
  write(text: string): unknown;
  /** Terminal width in columns, when known. */
  columns?: number;
}

const BAR_WIDTH = 30;
const REDRAW_INTERVAL_MS = 100;

/** The line for `done` of `expected` (expected unknown or 0: a counter without a bar). */
export function renderProgress(label: string, done: number, expected: number | undefined): string {
  if (expected === undefined || expected <= 0) return `${label} ${done} jobs`;
  const fraction = Math.min(1, done / expected);
  const filled = Math.round(fraction * BAR_WIDTH);
  const percent = Math.floor(fraction * 100)
    .toString()
    .padStart(3);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${percent}% ${done}/${expected} jobs`;
}

export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly terminal: ProgressTerminal,
    private readonly label: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Shows the new count unless the bar was redrawn very recently. */
  update(done: number, expected: number | undefined): void {
    const now = this.clock();
    if (this.drawn && now - this.lastDraw < REDRAW_INTERVAL_MS) return;
    this.draw(done, expected);
    this.lastDraw = now;
  }

  /** Draws the final count and ends the line. */
  finish(done: number, expected: number | undefined): void {
    this.draw(done, expected);
    this.terminal.write('\n');
    this.drawn = false;
  }

  /** Removes the bar (e.g. before an error message is printed). */
  clear(): void {
    if (this.drawn) this.terminal.write('\r\x1b[K');
    this.drawn = false;
  }

  private draw(done: number, expected: number | undefined): void {
    let line = renderProgress(this.label, done, expected);
    const columns = this.terminal.columns;
    if (columns !== undefined && columns > 1 && line.length >= columns) line = line.slice(0, columns - 1);
    this.terminal.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }
}
