// HTTP as the merchant and the shopper do it: every request with a timeout; a request that gets no
// definitive answer (network error, timeout, 5xx) is sent again, the same, until a deadline.
import { setTimeout as sleep } from 'node:timers/promises';

export interface Answer {
  /** 0: no answer (connection refused, reset, or the timeout). */
  status: number;
  body: any;
  error?: string;
}

export async function request(
  method: string,
  url: string,
  opts: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(url, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
    });
    const text = await res.text();
    let body: unknown = text;
    if (text && res.headers.get('content-type')?.includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        /* keep the text */
      }
    }
    return { status: res.status, body };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { status: 0, body: null, error: cause?.code ?? (err as Error).name ?? String(err) };
  }
}

/** No definitive answer: worth sending the same request again. */
export const undecided = (a: Answer) => a.status === 0 || a.status >= 500;

/**
 * Sends the request until it gets a definitive answer (see `retry`), backing off 250 ms → 5 s,
 * until `deadline` (epoch ms). Returns the last answer and how many attempts it took.
 */
export async function persist(
  send: () => Promise<Answer>,
  deadline: number,
  retry: (a: Answer) => boolean = undecided,
): Promise<Answer & { attempts: number }> {
  let wait = 250;
  for (let attempts = 1; ; attempts++) {
    const answer = await send();
    if (!retry(answer) || Date.now() + wait > deadline) return { ...answer, attempts };
    await sleep(wait);
    wait = Math.min(wait * 2, 5_000);
  }
}
