/**
 * Samples a server process's CPU time and resident memory from /proc (Linux),
 * including its descendant processes (so a server that forks helpers is
 * charged for them). CPU is utime+stime from /proc/<pid>/stat; memory is
 * VmRSS from /proc/<pid>/status.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on Linux everywhere in practice). */
const CLK_TCK = 100;

function readStat(pid: number): { ppid: number; cpuTicks: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may contain spaces; fields after it are fixed.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state): ppid = field 4, utime = 14, stime = 15.
    return { ppid: Number(rest[1]), cpuTicks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return undefined;
  }
}

function readRssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** `pid` and all its live descendants. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st === undefined) continue;
    let list = children.get(st.ppid);
    if (list === undefined) children.set(st.ppid, (list = []));
    list.push(Number(name));
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    out.push(p);
    for (const c of children.get(p) ?? []) stack.push(c);
  }
  return out;
}

export interface ProcSample {
  /** Total CPU seconds consumed so far by the tree. */
  cpuSeconds: number;
  /** Resident memory of the tree, bytes. */
  rssBytes: number;
}

export function sampleProcess(pid: number): ProcSample {
  let ticks = 0;
  let rssKb = 0;
  for (const p of processTree(pid)) {
    ticks += readStat(p)?.cpuTicks ?? 0;
    rssKb += readRssKb(p);
  }
  return { cpuSeconds: ticks / CLK_TCK, rssBytes: rssKb * 1024 };
}

/**
 * Samples every `intervalMs` between start() and stop(): CPU seconds used in
 * the window, and peak / last RSS.
 */
export class ProcMonitor {
  private timer: NodeJS.Timeout | undefined;
  private cpu0 = 0;
  private last: ProcSample = { cpuSeconds: 0, rssBytes: 0 };
  peakRssBytes = 0;

  constructor(private readonly pid: number, private readonly intervalMs = 500) {}

  start(): void {
    this.last = sampleProcess(this.pid);
    this.cpu0 = this.last.cpuSeconds;
    this.peakRssBytes = this.last.rssBytes;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    this.last = sampleProcess(this.pid);
    if (this.last.rssBytes > this.peakRssBytes) this.peakRssBytes = this.last.rssBytes;
  }

  /** Stops sampling; returns CPU seconds in the window and RSS figures. */
  stop(): { cpuSeconds: number; peakRssBytes: number; lastRssBytes: number } {
    if (this.timer) clearInterval(this.timer);
    this.tick();
    return { cpuSeconds: this.last.cpuSeconds - this.cpu0, peakRssBytes: this.peakRssBytes, lastRssBytes: this.last.rssBytes };
  }
}

/** CPU seconds all cores have spent busy (not idle or iowait) since boot, from /proc/stat. */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - f[3]! - f[4]!) / CLK_TCK;
  } catch {
    return 0;
  }
}
