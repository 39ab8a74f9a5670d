// The worker's business histograms (README "Metrics"), recorded through the Temporal SDK's metric
// meter: they come out of the same Prometheus endpoint as the SDK's own worker metrics
// (WORKER_METRICS_PORT; worker/from-config.ts). Without an exporter the meter does nothing.
import { noopMetricMeter, type MetricMeter } from '@temporalio/common';
import type { GatewayCall } from '../gateway/client.js';
import type { Product } from '../gateway/wire.js';
import type { PaymentStatus } from '../domain/statuses.js';

export const GATEWAY_CALL_SECONDS = 'alipay_cn_gateway_call_duration_seconds';
export const TIME_TO_FINAL_SECONDS = 'alipay_cn_payment_time_to_final_seconds';

/**
 * Bucket bounds in seconds (the exporter's own default buckets are for milliseconds): a gateway
 * call takes milliseconds to its timeout (GATEWAY_TIMEOUT_MS, 10 s); a payment is final within
 * seconds (PAYMENT_CODE) to the 72 hours an expiry may last, or later when cancelled once paid.
 */
export const BUSINESS_HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [GATEWAY_CALL_SECONDS]: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  [TIME_TO_FINAL_SECONDS]: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400, 259200, 604800],
};

/** A payment's final statuses: the time-to-final histogram observes each once per payment. */
export type FinalStatus = Extract<PaymentStatus, 'SUCCEEDED' | 'FAILED' | 'EXPIRED' | 'CANCELLED'>;

export interface BusinessMetrics {
  gatewayCall(call: GatewayCall): void;
  timeToFinal(product: Product, status: FinalStatus, seconds: number): void;
}

/** The histograms on `meter`; recording never throws (a metric must not fail a payment's work). */
export function businessMetrics(meter: MetricMeter): BusinessMetrics {
  const gateway = meter.createHistogram(
    GATEWAY_CALL_SECONDS,
    'float',
    's',
    'Time of one call to the acquiring gateway, by API (pay, detail, cancel, refund, refundDetail) and outcome (S, F, U, rejected, timeout, unreachable, error)',
  );
  const toFinal = meter.createHistogram(
    TIME_TO_FINAL_SECONDS,
    'float',
    's',
    'Time from a payment\'s creation (its workflow\'s start) to its final status (SUCCEEDED, FAILED, EXPIRED, CANCELLED), by product and status; once per payment and status',
  );
  const safely = (record: () => void) => {
    try {
      record();
    } catch {
      /* the runtime is shutting down: nothing to record to */
    }
  };
  return {
    gatewayCall: ({ api, outcome, seconds }) => safely(() => gateway.record(Math.max(0, seconds), { api, outcome })),
    timeToFinal: (product, status, seconds) => safely(() => toFinal.record(Math.max(0, seconds), { product, status })),
  };
}

export const noBusinessMetrics: BusinessMetrics = businessMetrics(noopMetricMeter);
