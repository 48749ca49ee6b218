import v8 from 'node:v8';

/*
 * Imported first by main.ts, before other modules run. V8's allocation-site pretenuring sees the
 * start-up (migrations, metadata, seed) keep nearly everything it allocates, decides that some hot
 * allocation sites are long-lived and from then on allocates their objects in old space. Under load those
 * objects die young, but as old-space garbage they keep the young objects they point at alive: every
 * scavenge then copies and promotes ~1.5 MB, and takes 5–7 ms instead of ~1–2 (measured on
 * GET /api/v2/admin/users/current under `wrk -c10` with --trace-gc-nvp; see the README's Benchmarks).
 * Every request in flight waits out each of those pauses, so they add straight to this API's p99.
 * A pretenuring flag given to node itself (`node --allocation-site-pretenuring …`) wins: the bench's
 * `v8flags` scenario measures the server with and without it side by side.
 *
 * The heap's sizes are V8's other knobs here, node flags in package.json's start script rather than set
 * here (V8 reads the young generation's size only when the heap is set up):
 * - `--max-semi-space-size=16`: by default V8 sizes the young generation from the heap limit (64 MB
 *   semi-spaces on a 24 GB machine), and under load both halves are touched, ~100 MB of the server's
 *   resident set for no measured throughput;
 * - `--heap-growing-percent=50`: after each full collection V8 lets the old generation grow by a factor
 *   it picks from the collector's speed (up to 4×); large list bodies die there as garbage, so the
 *   resident set swelled by ~90 MB before the next full collection. A fixed 1.5× keeps it ~90 MB lower at
 *   the same throughput (README, Benchmarks).
 */
if (!process.execArgv.some((arg) => /^--(no-)?allocation[-_]site[-_]pretenuring$/.test(arg))) {
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
}
