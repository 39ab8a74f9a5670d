// The wire API over HTTP: raw bodies (signatures cover the exact text), request signature checks,
// signed answers, and the injected faults, which hit only after the request was processed.
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { sign, verify } from '../gateway/signing.js';
import { API_PATHS } from '../gateway/wire.js';
import type { SandboxContext } from './context.js';
import type { WireOperation } from './faults.js';
import { refund, refundDetail } from './refund-operations.js';
import { answers, cancel, detail, pay, type WireAnswer } from './wire-operations.js';

const OPERATIONS: Record<WireOperation, { path: string; run: (ctx: SandboxContext, json: unknown) => WireAnswer }> = {
  pay: { path: API_PATHS.pay, run: pay },
  detail: { path: API_PATHS.detail, run: detail },
  cancel: { path: API_PATHS.cancel, run: cancel },
  refund: { path: API_PATHS.refund, run: refund },
  refundDetail: { path: API_PATHS.refundDetail, run: refundDetail },
};

/** Sockets of requests answered with the timeout fault: held open until the client gives up or we close. */
export type HeldSockets = Set<Socket>;

/** The wire API as an encapsulated plugin, so its raw-text body parsing stays out of the control API. */
export function wireRoutes(ctx: SandboxContext, held: HeldSockets): FastifyPluginAsync {
  return async (scope) => {
    // Every body is kept as its exact text, whatever its content type says.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    for (const [op, { path, run }] of Object.entries(OPERATIONS) as [WireOperation, (typeof OPERATIONS)[WireOperation]][]) {
      scope.post(path, async (request, reply) => {
        const raw = typeof request.body === 'string' ? request.body : '';
        if (!authentic(ctx, path, raw, request)) return sendSigned(ctx, reply, path, answers.invalidSignature());

        // A rejection refuses the request itself: nothing runs. Every other fault loses the
        // answer of an operation that did run, as a real gateway's would be lost.
        const fault = ctx.faults.drawWireFault(op);
        if (fault === 'reject') return sendSigned(ctx, reply, path, answers.simulatedRejection());
        const json = parseJson(raw);
        const answer = json === undefined ? answers.notJson() : run(ctx, json);

        if (ctx.faults.latencyMs > 0) await sleep(ctx.faults.latencyMs);
        switch (fault) {
          case 'timeout':
            request.log.info({ op }, 'timeout fault: holding the answer');
            return hold(reply, request, held);
          case 'error':
            return sendSigned(ctx, reply, path, answers.simulatedError());
          case 'unknown':
            return sendSigned(ctx, reply, path, answers.simulatedUnknown());
          default:
            return sendSigned(ctx, reply, path, answer);
        }
      });
    }
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function authentic(ctx: SandboxContext, path: string, body: string, request: FastifyRequest): boolean {
  return (
    request.headers['client-id'] === ctx.clientId &&
    verify({ secret: ctx.secret, method: 'POST', path, body, headers: request.headers })
  );
}

function sendSigned(ctx: SandboxContext, reply: FastifyReply, path: string, answer: WireAnswer): FastifyReply {
  const body = JSON.stringify(answer.body);
  const signed = sign({ secret: ctx.secret, clientId: ctx.clientId, method: 'POST', path, body });
  return reply
    .code(answer.status)
    .header('content-type', 'application/json; charset=utf-8')
    .header('client-id', signed['client-id'])
    .header('response-time', signed['request-time'])
    .header('signature', signed.signature)
    .send(body);
}

function hold(reply: FastifyReply, request: FastifyRequest, held: HeldSockets): FastifyReply {
  reply.hijack();
  const socket = request.raw.socket;
  held.add(socket);
  socket.once('close', () => held.delete(socket));
  return reply;
}
