/**
 * What `wharf import` shows while it works: on a terminal one line redrawn in place (files
 * done of the total, bytes, rates, ETA), fitted to the terminal's width by leaving out whole
 * fields, never by cutting a number; in a CI log a plain line at each tenth and at least
 * every 30 seconds, so a long import shows it is alive without filling the log.
 */

export interface ImportProgress {
  readonly done: number;
  readonly total: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface ProgressOutput {
  readonly isTTY?: boolean;
  /** Terminal width; 0 or absent when unknown. */
  readonly columns?: number;
  write(text: string): unknown;
}

const KB = 1000;
const MB = 1000 * KB;
const GB = 1000 * MB;

/** Width assumed when the terminal does not say (a pipe, `columns` 0). */
export const DEFAULT_COLUMNS = 80;

export function formatSize(n: number): string {
  if (n >= GB) return `${(n / GB).toFixed(2)} GB`;
  if (n >= MB) return `${(n / MB).toFixed(1)} MB`;
  if (n >= KB) return `${(n / KB).toFixed(1)} kB`;
  return `${Math.max(0, Math.round(n))} B`;
}

/** A duration, rounded up to the second: 42s, 1m05s, 2h03m; -- when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.ceil(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatRate(perSecond: number): string {
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

/**
 * Seconds left: the slower of the estimate by files and by bytes, since small files cost
 * their round trips and big ones their bytes. Unknown until something is done.
 */
export function estimateSeconds(p: ImportProgress, elapsedSeconds: number): number {
  if (elapsedSeconds <= 0 || p.done === 0) return Infinity;
  const byFiles = ((p.total - p.done) * elapsedSeconds) / p.done;
  const byBytes = p.bytesDone > 0 ? ((p.bytesTotal - p.bytesDone) * elapsedSeconds) / p.bytesDone : Infinity;
  return Math.max(byFiles, p.bytesTotal > 0 ? byBytes : 0);
}

interface Field {
  readonly text: string;
  /** Lower is kept longer when the line is too wide. */
  readonly priority: number;
}

const BAR_MIN_CELLS = 10;
const BAR_MAX_CELLS = 30;

/**
 * The progress line for a terminal `columns` wide (unknown or 0: 80). Fields are left out
 * whole, least useful first (byte rate, file rate, bytes, the bar, the ETA), and the bar
 * grows into the room left; the files count is always there, even on a terminal narrower
 * than it, since a number cut short would mislead.
 */
export function renderImportProgress(p: ImportProgress, elapsedSeconds: number, columns?: number): string {
  const width = columns && columns > 0 ? columns : DEFAULT_COLUMNS;
  const room = width - 1; // the last column would wrap on some terminals
  const seconds = Math.max(elapsedSeconds, 0);
  const fileRate = seconds > 0 ? p.done / seconds : 0;
  const byteRate = seconds > 0 ? p.bytesDone / seconds : 0;
  const bar: Field = { text: `[${'-'.repeat(BAR_MIN_CELLS)}]`, priority: 2 };
  const fields: Field[] = [
    bar,
    { text: `${p.done}/${p.total} files`, priority: 0 },
    { text: `${formatSize(p.bytesDone)}/${formatSize(p.bytesTotal)}`, priority: 3 },
    { text: `${formatRate(fileRate)} files/s`, priority: 4 },
    { text: `${formatSize(byteRate)}/s`, priority: 5 },
    { text: `ETA ${formatDuration(estimateSeconds(p, seconds))}`, priority: 1 },
  ];
  const kept = new Set(fields);
  const length = () => [...kept].reduce((n, f) => n + f.text.length, 0) + kept.size - 1;
  for (const field of [...fields].sort((a, b) => b.priority - a.priority)) {
    if (length() <= room || field.priority === 0) break;
    kept.delete(field);
  }
  const shown = fields.filter((f) => kept.has(f));
  if (!kept.has(bar)) return shown.map((f) => f.text).join(' ');
  const cells = Math.min(BAR_MAX_CELLS, BAR_MIN_CELLS + room - length());
  const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.total > 0 ? p.done / p.total : 1;
  const filled = Math.round(Math.min(Math.max(fraction, 0), 1) * cells);
  const drawn = `[${'#'.repeat(filled)}${'-'.repeat(cells - filled)}]`;
  return shown.map((f) => (f === bar ? drawn : f.text)).join(' ');
}

/** The plain line a CI log gets: the same figures, with the share done in percent. */
export function renderPlainProgress(p: ImportProgress, elapsedSeconds: number): string {
  const seconds = Math.max(elapsedSeconds, 0);
  const percent = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
  const fileRate = seconds > 0 ? p.done / seconds : 0;
  const byteRate = seconds > 0 ? p.bytesDone / seconds : 0;
  return (
    `${p.done}/${p.total} files (${percent}%), ${formatSize(p.bytesDone)}/${formatSize(p.bytesTotal)}, ` +
    `${formatRate(fileRate)} files/s, ${formatSize(byteRate)}/s, ETA ${formatDuration(estimateSeconds(p, seconds))}`
  );
}

const REDRAW_MS = 100;
/** A CI log gets no progress lines for an import shorter than this, and never two closer. */
const PLAIN_QUIET_MS = 5_000;
const PLAIN_EVERY_MS = 30_000;

/** Draws the progress of one import: `update` after each file, `note` for a line that must stay. */
export class ImportProgressReporter {
  private readonly started: number;
  private lastDraw = -Infinity;
  private lastPlain: number;
  private lastTenth = 0;
  private drawn = false;
  private state: ImportProgress;
  private readonly ticker: NodeJS.Timeout | undefined;

  /**
   * `tickMs`: how often the line is drawn again when no file has finished (a big wheel
   * takes a while), so the rates and ETA keep moving and a CI log still gets its line
   * every 30 s; 0 for none.
   */
  constructor(
    private readonly out: ProgressOutput,
    total: { files: number; bytes: number },
    private readonly clock: () => number = () => performance.now(),
    tickMs = 1000,
  ) {
    this.started = clock();
    this.lastPlain = this.started;
    this.state = { done: 0, total: total.files, bytesDone: 0, bytesTotal: total.bytes };
    if (tickMs > 0) {
      this.ticker = setInterval(() => this.update(this.state), tickMs);
      this.ticker.unref();
    }
  }

  private elapsed(now: number): number {
    return (now - this.started) / 1000;
  }

  update(done: { done: number; bytesDone: number }): void {
    const p: ImportProgress = { ...this.state, done: done.done, bytesDone: done.bytesDone };
    this.state = p;
    const now = this.clock();
    if (this.out.isTTY) {
      if (now - this.lastDraw < REDRAW_MS && p.done < p.total) return;
      this.draw(now);
      return;
    }
    const tenth = p.total > 0 ? Math.floor((p.done / p.total) * 10) : 10;
    // The last tenth is the summary's to tell.
    const due = tenth > this.lastTenth || now - this.lastPlain >= PLAIN_EVERY_MS;
    if (p.done < p.total && due && now - this.lastPlain >= PLAIN_QUIET_MS) {
      this.lastTenth = Math.max(this.lastTenth, tenth);
      this.lastPlain = now;
      this.out.write(`${renderPlainProgress(p, this.elapsed(now))}\n`);
    }
  }

  /** A line kept above the progress line on a terminal (a refusal as it happens). */
  note(line: string): void {
    if (!this.out.isTTY) return;
    this.clear();
    this.out.write(`${line}\n`);
    this.draw(this.clock());
  }

  private draw(now: number): void {
    this.lastDraw = now;
    const line = renderImportProgress(this.state, this.elapsed(now), this.out.columns);
    this.out.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }

  /** Takes the progress line away, leaving the terminal for the summary. */
  finish(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.out.isTTY) this.clear();
  }
}
