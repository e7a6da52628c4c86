/**
 * The production entry point, `node dist/src/launch.cjs [all|web|worker]`:
 * sizes libuv's thread pool to the argon2 bound, then runs main.js.
 *
 * Why the size: every argon2 derivation allocates its 19 MB block with glibc's
 * malloc on the pool thread that runs it. After the first block is freed,
 * glibc raises its mmap threshold, so later blocks come from that thread's
 * arena and stay resident after the derivation. With libuv's default of 4
 * threads and ARGON2_MAX_CONCURRENT derivations at once (2 on a 2-core
 * machine), every thread ends up holding a block: the web process peaked at
 * 231 MB during intake. With as many threads as derivations at once, only
 * those hold one; the other pool work (file reads, DNS lookups, photo
 * re-encoding) waits at most for one derivation when all threads derive.
 * docs/deployment.md ("argon2 memory") has the measurements.
 *
 * Why a CommonJS file: libuv creates the pool, with UV_THREADPOOL_SIZE
 * threads, the first time anything queues work on it, and Node's ES module
 * loader reads an ES entry file through the pool before running any of it, so
 * setting the variable in src/main.ts (or in a module it imports first) is
 * too late. A CommonJS entry is read synchronously and runs first.
 *
 * An operator's own UV_THREADPOOL_SIZE is kept.
 */
import os from "node:os";

/**
 * Pool threads for the environment: UV_THREADPOOL_SIZE when set, otherwise the
 * argon2 bound (ARGON2_MAX_CONCURRENT, whose default in config/index.ts is the
 * number of CPUs), and never fewer than 2, so a derivation never holds up all
 * other pool work on a one-CPU machine.
 */
export function threadPoolSize(env: NodeJS.ProcessEnv, cpus = os.availableParallelism()): string {
  if (env.UV_THREADPOOL_SIZE) return env.UV_THREADPOOL_SIZE;
  const bound = Number(env.ARGON2_MAX_CONCURRENT);
  const argon2 = Number.isInteger(bound) && bound >= 1 ? bound : cpus;
  return String(Math.max(2, argon2));
}

if (require.main === module) {
  process.env.UV_THREADPOOL_SIZE = threadPoolSize(process.env);
  import("./main.js").catch((err: unknown) => {
    process.stderr.write(`homthu could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
