/**
 * A counting semaphore. argon2 derivations each hold 19+ MiB; bounding how many
 * run at once keeps memory flat under a burst of submissions (they queue here
 * instead of all allocating at once).
 */
export class Semaphore {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Number of callers waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Run `fn` when a slot is free, releasing the slot however it ends. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    // A released slot is handed straight to the next waiter (active stays the
    // same), so a newcomer can never slip in between and exceed the limit.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}
