// A few Prometheus counters in text exposition format; enough to watch the service run.
export class Metrics {
  private readonly counters = new Map<string, number>();

  inc(name: string, labels: Record<string, string>): void {
    const key = `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
      .join(',')}}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  render(): string {
    const names = new Set([...this.counters.keys()].map((k) => k.slice(0, k.indexOf('{'))));
    const lines: string[] = [];
    for (const name of names) {
      lines.push(`# TYPE ${name} counter`);
      for (const [key, value] of this.counters) if (key.startsWith(`${name}{`)) lines.push(`${key} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
