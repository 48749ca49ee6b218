/**
 * How steady this machine is for latency figures: `npm run bench:probe [-- MB seconds]` (defaults 8 MB,
 * 20 s; pinned to CPU 0 when taskset exists, like the bench's server) follows a random cycle through an
 * array of MB megabytes and prints the work done per 100 ms: min, p10, median and max.
 *
 * Why a cache-sized cycle: the server's hot data is a few MB, which lives in the CPU's shared last-level
 * cache. On the AMD EPYC VMs of this project the same 8 MB cycle ran at ~3,000,000 steps per 100 ms in
 * some minutes and at ~800,000 in others (most likely another tenant of the host using that cache),
 * while a loop that touches no memory stayed within 15%. The bench's server, on the same VMs, spent
 * from ~400 to ~1,600 µs of CPU on the same request in different half-second runs, most likely for the
 * same reason; such swings are what put the p99 of its cheap routes above 4 × their p50. Run a few
 * probes, minutes apart, before trusting a full run's p99 figures: on a quiet machine they agree.
 */
import { execFileSync } from 'node:child_process';

const megabytes = Number(process.argv[2] ?? 8);
const seconds = Number(process.argv[3] ?? 20);
if (!(megabytes > 0 && megabytes <= 1024 && seconds > 0 && seconds <= 600)) {
  console.error('usage: npm run bench:probe -- [MB (≤ 1024)] [seconds (≤ 600)]');
  process.exit(2);
}
try {
  execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
} catch {
  // No taskset (or one CPU): the probe runs wherever the OS puts it.
}

// One random cycle through every slot, so each step depends on the last and prefetching cannot help.
const slots = Math.floor((megabytes * 2 ** 20) / 4);
const order = new Int32Array(slots);
for (let i = 0; i < slots; i++) order[i] = i;
let seed = 1;
for (let i = slots - 1; i > 0; i--) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  const j = seed % (i + 1);
  [order[i], order[j]] = [order[j]!, order[i]!];
}
const next = new Int32Array(slots);
for (let i = 0; i < slots; i++) next[order[i]!] = order[(i + 1) % slots]!;

const windows: number[] = [];
let at = 0;
while (windows.length < seconds * 10) {
  let steps = 0;
  const started = performance.now();
  while (performance.now() - started < 100) {
    for (let i = 0; i < 1000; i++) at = next[at]!;
    steps += 1000;
  }
  windows.push(steps);
}
windows.sort((a, b) => a - b);
const pick = (q: number) => windows[Math.floor(q * (windows.length - 1))]!;
console.log(
  `${megabytes} MB random cycle, steps per 100 ms over ${seconds} s: min ${windows[0]}, p10 ${pick(0.1)}, ` +
    `median ${pick(0.5)}, max ${windows.at(-1)} (p10 ÷ median ${(pick(0.1) / pick(0.5)).toFixed(2)})`,
);
