// Progress on stderr (stdout carries results only): a cli-progress bar on a terminal, plain
// lines otherwise so logs and CI output stay readable.
import cliProgress from 'cli-progress';

export interface ItemProgress {
  /** One input finished (`ok` false when it failed). */
  tick(label: string, ok: boolean): void;
  stop(): void;
}

export interface ByteProgress {
  update(received: number, total: number): void;
  stop(): void;
}

type ErrStream = NodeJS.WriteStream;

export function createItemProgress(title: string, total: number, stream: ErrStream = process.stderr): ItemProgress {
  const started = Date.now();
  let done = 0;
  let failed = 0;
  const rate = () => done / Math.max((Date.now() - started) / 1000, 1e-3);
  const eta = () => (done === 0 ? '?' : formatSeconds((total - done) / rate()));
  if (!stream.isTTY) {
    return {
      tick(label, ok) {
        done++;
        if (!ok) failed++;
        stream.write(`${title} ${done}/${total} ${ok ? 'ok' : 'FAILED'} ${label} (${rate().toFixed(2)}/s, ETA ${eta()})\n`);
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${title} [{bar}] {value}/{total} | {rate}/s | ETA {etaText} | {failed} failed | {label}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { rate: '0.00', etaText: '?', failed: 0, label: '' });
  return {
    tick(label, ok) {
      done++;
      if (!ok) failed++;
      bar.update(done, { rate: rate().toFixed(2), etaText: eta(), failed, label });
    },
    stop: () => bar.stop(),
  };
}

/** Download progress: a bar in MB on a terminal, a line every 10% otherwise. */
export function createByteProgress(title: string, stream: ErrStream = process.stderr): ByteProgress {
  const started = Date.now();
  let initial: number | undefined; // a resumed download starts above 0; speed counts only new bytes
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  const speed = (received: number) => (received - (initial ?? 0)) / 1e6 / Math.max((Date.now() - started) / 1000, 1e-3);
  if (!stream.isTTY) {
    let lastDecile = -1;
    return {
      update(received, total) {
        const decile = Math.floor((received / total) * 10);
        if (decile === lastDecile) return;
        lastDecile = decile;
        stream.write(`${title} ${mb(received)}/${mb(total)} MB (${decile * 10}%)\n`);
      },
      stop: () => undefined,
    };
  }
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(received, total) {
      initial ??= received;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream, format: `${title} [{bar}] {percentage}% | {done}/{all} MB | {speed} MB/s | ETA {eta_formatted}`, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, received, { done: mb(received), all: mb(total), speed: '0.0' });
      }
      bar.update(received, { done: mb(received), all: mb(total), speed: speed(received).toFixed(1) });
    },
    stop: () => bar?.stop(),
  };
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 90) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 90 ? `${minutes}m${Math.round(seconds % 60)}s` : `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}
