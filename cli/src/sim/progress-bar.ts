/** Where a progress bar draws: a terminal gets one line redrawn in place, anything else a line per step. */
export interface ProgressOutput {
  readonly tty: boolean;
  /** Raw text for a terminal (no newline added). */
  write(text: string): void;
  /** A whole line, for logs and pipes. */
  line(text: string): void;
}

export interface ProgressBar {
  /** `fraction` 0..1; `label` says where the work is. Cheap to call often. */
  update(fraction: number, label: string): void;
  /** Draws 100 % and ends the terminal line. */
  done(label: string): void;
}

const WIDTH = 30;

/**
 * A progress bar on stderr: redrawn at most every `intervalMs` on a
 * terminal, else one line per 10 % so logs stay short.
 */
export function createProgressBar(out: ProgressOutput, title: string, now: () => number = Date.now, intervalMs = 200): ProgressBar {
  let lastDraw = -Infinity;
  let lastTenth = -1;
  const bar = (f: number) => {
    const filled = Math.round(f * WIDTH);
    return `${title} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(f * 100).toFixed(0).padStart(3)}%`;
  };
  return {
    update(fraction, label) {
      const f = Math.min(1, Math.max(0, fraction));
      if (out.tty) {
        if (now() - lastDraw < intervalMs) return;
        lastDraw = now();
        out.write(`\r${bar(f)} ${label}\x1b[K`);
        return;
      }
      const tenth = Math.floor(f * 10);
      if (tenth > lastTenth && tenth < 10) {
        lastTenth = tenth;
        out.line(`${bar(f)} ${label}`);
      }
    },
    done(label) {
      if (out.tty) out.write(`\r${bar(1)} ${label}\x1b[K\n`);
      else out.line(`${bar(1)} ${label}`);
    },
  };
}
