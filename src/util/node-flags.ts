/**
 * The V8 flags the server runs with: `npm start` (package.json), the `srs`
 * bin (the shebang of src/cli.ts, `env -S`) and the benchmark all pass these,
 * and a test keeps the three in step.
 *
 * A 2 MB semi-space caps V8's young generation at a few MB. With the default
 * (up to 16 MB per semi-space) V8 grows it to 32 MB after the first burst of
 * joining sessions and keeps it: about 25 MB of RSS that a streaming server
 * never needs, since its per-window garbage is small and its long-lived
 * objects (sessions, cached media) are promoted anyway. Measured in
 * test/bench/README.md: fan-out N=500 RSS per player about 60 KiB without,
 * about 20 KiB with, at the same CPU per GB.
 *
 * No memory reducer: when allocation stops for a few seconds, V8 runs
 * memory-reducing full GCs that also flush compiled code, so the next burst
 * of sessions (streams starting on the hour, clients reconnecting after a
 * network blip) runs cold: measured 0.70-1.05 ms CPU per session against
 * 0.36-0.55 with the flag, for the first 2,000 sessions after 15 s idle
 * (test/bench/README.md). The heap still shrinks at the next ordinary GC.
 */
export const SERVER_NODE_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=2', '--no-memory-reducer']);
