/**
 * A progress bar with rate and ETA for long phases. Writes to stderr; on a terminal it redraws one
 * line, otherwise it prints a line at most every few seconds (logs stay readable in CI).
 */
export class Progress {
  private readonly start = Date.now();
  private lastPrint = 0;
  private done = 0;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  /** Advances by `n` steps; `info` is appended (e.g. the running loss). */
  tick(n = 1, info = ''): void {
    this.done += n;
    if (this.quiet) return;
    const now = Date.now();
    const finished = this.done >= this.total;
    if (!finished && now - this.lastPrint < (this.tty ? 200 : 5000)) return;
    this.lastPrint = now;
    const elapsed = (now - this.start) / 1000;
    const frac = this.total ? Math.min(1, this.done / this.total) : 1;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : 0;
    const width = 24;
    const fill = Math.round(frac * width);
    const bar = '█'.repeat(fill) + '░'.repeat(width - fill);
    const line = `${this.label} ${bar} ${this.done}/${this.total} ${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)}${info ? ` ${info}` : ''}`;
    if (this.tty) this.stream.write(`\r\x1b[K${line}${finished ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
}
