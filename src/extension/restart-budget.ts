/**
 * How many server crashes the client forgives: at most `max` within a sliding
 * window of `windowMs`. Beyond that the server stays down, because a crash
 * loop would spin a CPU and flood the output channel. Pure, so the policy is
 * unit-tested with a fake clock.
 */

export class RestartBudget {
  private readonly crashes: number[] = [];

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  /** Records a crash at time `now`; true when the server should be restarted. */
  crashed(now: number): boolean {
    this.crashes.push(now);
    while (this.crashes.length > 0 && (this.crashes[0] ?? now) <= now - this.windowMs) this.crashes.shift();
    return this.crashes.length <= this.max;
  }

  /** Crashes counted in the current window. */
  get recent(): number {
    return this.crashes.length;
  }

  /** A manual restart starts afresh. */
  reset(): void {
    this.crashes.length = 0;
  }
}
