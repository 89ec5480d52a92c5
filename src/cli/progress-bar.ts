/**
 * A one-line progress indicator for long operations (import, count,
 * deleteallrows), redrawn in place with \r on a terminal and at most every
 * 100 ms. When the stream is not a TTY it prints nothing, so piped output stays plain.
 */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private readonly enabled: boolean;

  constructor(private readonly stream: ProgressStream, private readonly label: string, private readonly total?: number) {
    this.enabled = stream.isTTY === true;
  }

  /** Adds n units of work done. */
  tick(n = 1): void {
    this.done += n;
    const now = Date.now();
    if (this.enabled && now - this.lastDraw >= 100) {
      this.lastDraw = now;
      this.draw();
    }
  }

  /** Erases the bar (call before printing the result). */
  finish(): void {
    if (this.enabled) this.stream.write('\r\x1b[2K');
  }

  /** The text drawn for the current state (exported for tests). */
  render(width = this.stream.columns ?? 80): string {
    if (this.total === undefined || this.total <= 0) return `${this.label} ${this.done}`;
    const frac = Math.min(1, this.done / this.total);
    const barWidth = Math.max(10, Math.min(40, width - this.label.length - 30));
    const filled = Math.round(frac * barWidth);
    return `${this.label} [${'#'.repeat(filled)}${' '.repeat(barWidth - filled)}] ${this.done}/${this.total} ${Math.floor(frac * 100)}%`;
  }

  private draw(): void {
    this.stream.write(`\r\x1b[2K${this.render()}`);
  }
}
