// The gateway sandbox: a faithful local stand-in for the upstream acquiring gateway (DESIGN.md
// section 6), started in-process by tests and `npm start`, or standalone by sandbox/main.ts.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { cashierRoutes } from './cashier-routes.js';
import type { SandboxContext } from './context.js';
import { controlRoutes } from './control-routes.js';
import { FaultState } from './faults.js';
import { isTimezone } from '../domain/gateway-time.js';
import { Notifier } from './notifier.js';
import { OrderStore } from './orders.js';
import { PaymentCodeDesk } from './payment-code.js';
import { isHttpUrl } from './refund-operations.js';
import { RefundDesk } from './refunds.js';
import { wireRoutes, type HeldSockets } from './wire-routes.js';

export interface SandboxOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  clientId: string;
  secret: string;
  /** Base of the cashier URLs handed out in payAction; defaults to the listening url. */
  publicUrl?: string;
  /** Delay before each notification attempt (the first from the event, the rest after a failed attempt). */
  notifyRetryMs: readonly number[];
  /** IANA zone of the gateway: expireAt, gatewayTransId dates and the cancellation window. */
  timezone: string;
  logger?: boolean | object;
  /** The sandbox's clock; tests move it to pass expiry and the cancellation window. */
  now?: () => number;
  /** The merchant's notification URL for entry-code payments whose control call names none. */
  entryCodeNotifyUrl?: string;
  /** How long after its payment an order can be refunded; default 365 days. */
  refundWindowMs?: number;
}

export const DEFAULT_REFUND_WINDOW_MS = 365 * 24 * 3600_000;

export interface Sandbox {
  url: string;
  port: number;
  close(): Promise<void>;
  app: FastifyInstance;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  if (!isTimezone(opts.timezone)) throw new Error(`sandbox: unknown time zone ${opts.timezone}`);
  if (!opts.notifyRetryMs.length || opts.notifyRetryMs.some((ms) => !Number.isInteger(ms) || ms < 0)) {
    throw new Error('sandbox: notifyRetryMs must be a non-empty list of non-negative integer milliseconds');
  }
  if (opts.entryCodeNotifyUrl !== undefined && !isHttpUrl(opts.entryCodeNotifyUrl)) {
    throw new Error('sandbox: entryCodeNotifyUrl must be an absolute http(s) URL');
  }
  const refundWindowMs = opts.refundWindowMs ?? DEFAULT_REFUND_WINDOW_MS;
  if (!Number.isSafeInteger(refundWindowMs) || refundWindowMs < 0) {
    throw new Error('sandbox: refundWindowMs must be a non-negative integer number of milliseconds');
  }
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? Date.now;
  let publicUrl = opts.publicUrl?.replace(/\/+$/, '') ?? '';

  const app = Fastify({ logger: opts.logger ?? false });
  const faults = new FaultState();
  const ctx: SandboxContext = {
    clientId: opts.clientId,
    secret: opts.secret,
    timezone: opts.timezone,
    now,
    faults,
    orders: new OrderStore(opts.timezone, now, (token) => `${publicUrl}/sandbox/cashier/${token}`),
    notifier: new Notifier({ clientId: opts.clientId, secret: opts.secret, retryMs: opts.notifyRetryMs, faults, log: app.log }),
    paymentCode: new PaymentCodeDesk(),
    refunds: new RefundDesk(opts.timezone, now),
    refundWindowMs,
    ...(opts.entryCodeNotifyUrl !== undefined && { entryCodeNotifyUrl: opts.entryCodeNotifyUrl }),
  };
  const held: HeldSockets = new Set();

  // Control API and cashier forms: JSON that may be empty (POST .../pay with no body), and HTML forms.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  await app.register(wireRoutes(ctx, held));
  await app.register(controlRoutes(ctx));
  await app.register(cashierRoutes(ctx));

  app.addHook('preClose', async () => {
    // Shoppers still to confirm a payment code first: a confirmation would start a notification.
    ctx.paymentCode.close();
    // Refunds still to settle: a settlement would start a notification.
    ctx.refunds.close();
    ctx.notifier.close();
    // Answers held by the timeout fault would otherwise keep the server from closing.
    for (const socket of held) socket.destroy();
    held.clear();
  });

  await app.listen({ port: opts.port, host });
  const port = (app.server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}`;
  if (!publicUrl) publicUrl = url;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    app,
    close: () => (closing ??= app.close()),
  };
}
