// The API's Prometheus metrics (README "Metrics") with prom-client: one Registry per API instance,
// never prom-client's global one, so several APIs in one process (the tests) each count their own.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Product } from '../gateway/wire.js';

/** The counters other modules count with `inc`: name → help and label names. */
const COUNTERS = {
  alipay_cn_http_requests_total: {
    help: 'HTTP requests answered, by route pattern ("unknown" for none) and status code',
    labelNames: ['route', 'status'],
  },
  alipay_cn_notifications_total: {
    help: 'Gateway notifications received at the webhook, by outcome (signalled, closed_payment, unknown_payment, bad_signature, malformed)',
    labelNames: ['outcome'],
  },
  alipay_cn_auth_failures_total: {
    help: 'Requests to /v1/payments refused 401 for their API key, by reason (missing, malformed, unknown_key)',
    labelNames: ['reason'],
  },
  alipay_cn_rate_limited_total: {
    help: 'Requests refused with 429 because their API key went over its rate limit, by key name',
    labelNames: ['key'],
  },
} as const;

type Counters = typeof COUNTERS;
export type CounterName = keyof Counters;
type LabelsOf<N extends CounterName> = Record<Counters[N]['labelNames'][number], string>;

/** Route label of a request that matched no route: one fixed value, so junk URLs add no series. */
export const UNMATCHED_ROUTE = 'unknown';

/** Request durations: from a few milliseconds (GET) to the seconds a POST may wait on Temporal. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  private readonly counters: { [N in CounterName]: Counter<string> };
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly paymentsCreated: Counter<'product'>;

  constructor() {
    const registers = [this.registry];
    this.counters = Object.fromEntries(
      Object.entries(COUNTERS).map(([name, c]) => [name, new Counter({ name, help: c.help, labelNames: [...c.labelNames], registers })]),
    ) as Metrics['counters'];
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route pattern ("unknown" when no route matched) and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.paymentsCreated = new Counter({
      name: 'alipay_cn_payments_created_total',
      help: 'Payments started by POST /v1/payments (201; a repeated request for the same payment is not counted), by product',
      labelNames: ['product'],
      registers,
    });
    // process_* and nodejs_* (CPU, memory, event loop lag, GC, handles), read when scraped.
    collectDefaultMetrics({ register: this.registry });
  }

  inc<N extends CounterName>(name: N, labels: LabelsOf<N>): void {
    this.counters[name].inc(labels as Record<string, string>);
  }

  /** One answered request; `route` is the matched pattern (`/v1/payments/:paymentId`), never the URL. */
  request(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    const routeLabel = route ?? UNMATCHED_ROUTE;
    this.counters.alipay_cn_http_requests_total.inc({ route: routeLabel, status: String(statusCode) });
    this.httpDuration.observe({ method, route: routeLabel, status_code: String(statusCode) }, seconds);
  }

  paymentCreated(product: Product): void {
    this.paymentsCreated.inc({ product });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
