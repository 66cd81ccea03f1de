/**
 * Progress for long work: a cli-progress bar on a terminal; plain lines when PODIUM_PROGRESS_LINES
 * is set (the demo sets it for its child processes, whose stderr is a pipe): the label, the
 * count, the percentage and an estimate, about every 10 % and at most every 5 s; silent in CI
 * and when output is piped otherwise.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  tick(n?: number): void;
  stop(): void;
}

export function progress(label: string, total: number): Progress {
  if (process.env.PODIUM_PROGRESS_LINES && total > 0) return lines(label, total);
  if (!process.stderr.isTTY || process.env.CI) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label.padEnd(28)} {bar} {value}/{total} {eta_formatted}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: (n = 1) => bar.increment(n), stop: () => bar.stop() };
}

function lines(label: string, total: number): Progress {
  const t0 = Date.now();
  let done = 0;
  let lastAt = t0;
  let lastTenth = 0;
  return {
    tick(n = 1) {
      done += n;
      const now = Date.now();
      const tenth = Math.floor((10 * done) / total);
      if (done < total && tenth > lastTenth && now - lastAt >= 5000) {
        const left = ((now - t0) / done) * (total - done) / 1000;
        process.stderr.write(`${label}: ${done}/${total} (${Math.floor((100 * done) / total)} %), about ${Math.ceil(left)} s left\n`);
        lastTenth = tenth;
        lastAt = now;
      }
    },
    stop() {
      if (done > 0 && Date.now() - t0 >= 5000) process.stderr.write(`${label}: ${done}/${total} done in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    },
  };
}
