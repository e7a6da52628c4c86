/**
 * The tests' one poller. Wait for a condition by asking again every `everyMs`
 * (50 ms by default) instead of sleeping a fixed time: the test goes on as
 * soon as the condition holds, and the error names what never came.
 */

/**
 * Call `check` until it gives a truthy value and return that value; fail after `ms` with "not within … : what"
 * (`what` may be a function, to describe the state at that moment).
 */
export async function within<T>(
  ms: number,
  what: string | (() => Promise<string>),
  check: () => Promise<T | undefined | null | false>,
  everyMs = 50,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${typeof what === "string" ? what : await what()}`);
    await sleep(everyMs);
  }
}

/** A fixed pause, for the few places that wait on purpose (a clock boundary, a TOTP step, letting duplicates land). */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
