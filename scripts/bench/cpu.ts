import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** CPU use of the benchmark's processes, read from /proc (Linux): the API, PostgreSQL and the client itself. */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process used so far, or null when it is gone. */
export function cpuOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** CPU seconds of a postmaster and all its children (backends, walwriter, checkpointer...). */
export function pgCpu(postmasterPid: number | null): number | null {
  if (postmasterPid === null) return null;
  let total = cpuOf(postmasterPid) ?? 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === postmasterPid) total += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      // gone
    }
  }
  return total;
}

export interface CpuMark {
  api: number | null;
  pg: number | null;
  self: number;
  at: number;
}

export function cpuMark(apiPid: number, pgPid: number | null): CpuMark {
  const u = process.cpuUsage();
  return { api: cpuOf(apiPid), pg: pgCpu(pgPid), self: (u.user + u.system) / 1e6, at: performance.now() };
}

export function cpuLine(a: CpuMark, b: CpuMark): string {
  const s = (b.at - a.at) / 1000;
  const cores = (x: number | null, y: number | null) => (x === null || y === null ? '-' : ((y - x) / s).toFixed(2));
  return `CPU (cores busy on average; this machine has ${os.cpus().length}): API ${cores(a.api, b.api)}, PostgreSQL ${cores(a.pg, b.pg)}, benchmark client ${cores(a.self, b.self)}`;
}

/** The postmaster's pid of an embedded cluster's data folder, or null. */
export function postmasterPid(dataDir: string): number | null {
  try {
    return Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}
