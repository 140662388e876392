// CPU accounting for the benches, from Linux's /proc (zeros elsewhere): how much of a run's CPU
// went to the tool, to PostgreSQL and to the machine as a whole, so a bench can say what the
// cores allowed at most, not only what it measured.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds used so far (Linux /proc; zeros elsewhere): by the nodes, by PostgreSQL's
 * processes (connections that ended are counted by their parent), by this process, and by the
 * whole machine. Where issuance spends its CPU, and whether the machine was the limit.
 */
export function cpuNow(nodePids: number[] = []): { nodes: number; postgres: number; bench: number; machine: number } {
  const ticksPerSecond = 100; // USER_HZ, 100 on Linux
  const ticksOf = (pid: string, children = false) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return f[11] + f[12] + (children ? f[13] + f[14] : 0); // utime stime (cutime cstime)
  };
  const out = { nodes: 0, postgres: 0, bench: 0, machine: 0 };
  try {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (nodePids.includes(Number(pid))) out.nodes += ticksOf(pid);
        else if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') {
          // The postmaster (parent 1 or a shell) also counts its ended children.
          out.postgres += ticksOf(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('\0-D\0'));
        }
      } catch {
        /* gone meanwhile */
      }
    }
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    out.machine = cpu.reduce((a, b) => a + b, 0) - cpu[3] - cpu[4];
  } catch {
    return out;
  }
  const usage = process.cpuUsage();
  return {
    nodes: out.nodes / ticksPerSecond,
    postgres: out.postgres / ticksPerSecond,
    bench: (usage.user + usage.system) / 1e6,
    machine: out.machine / ticksPerSecond,
  };
}
