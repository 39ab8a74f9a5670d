// Delayed work in the sandbox (notification retries, shoppers confirming later, refunds settling):
// timers that never keep the process alive and all stop when the sandbox closes.
export class SandboxTimers {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  get closed(): boolean {
    return this.stopped;
  }

  /** Runs `fn` after `ms` unless the sandbox closes first. */
  later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  close(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
