import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  commit: string;
  /** 1-minute load average when the run started (above the core count: others were busy too) and ended. */
  loadStart: number;
  loadEnd?: number;
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    // The report the run rewrites does not make the measured code dirty.
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--', '.', ':!docs/BENCHMARKS.md'], {
        encoding: 'utf8',
        cwd: new URL('../../../', import.meta.url),
      }).trim() !== '';
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): Machine {
  return {
    date: new Date().toISOString(),
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    commit: gitCommit(),
    loadStart: os.loadavg()[0] ?? 0,
  };
}
