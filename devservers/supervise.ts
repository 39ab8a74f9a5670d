// Keeps a server running: when it exits and nobody asked it to, it is started again the same way
// (same port, same data) after a short backoff that doubles while restarts keep failing. `npm start`
// supervises its embedded Temporal dev server and nats-server with it.
import { describeExit, type RunningServer, type ServerExit } from './servers.js';

export interface SuperviseOptions<T extends RunningServer> {
  /** How the server is called in log lines: `nats exited (signal SIGKILL); restarting in 0.5 s`. */
  name: string;
  /** Starts the server and resolves once it answers; called for the first start and every restart. */
  start: () => Promise<T>;
  log: (line: string) => void;
  /** After every successful (re)start, e.g. to record the new pid. */
  onStart?: (server: T) => void;
  /** On every exit nobody asked for, before the restart (e.g. to count them). */
  onExit?: (exit: ServerExit) => void;
  /** Once aborted, an exit is final: nothing is restarted (set it before stopping things in order). */
  signal?: AbortSignal;
  /** First restart delay, doubled after each restart up to maxBackoffMs. Defaults 500 and 10 000. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A server that ran this long before it exited is restarted after initialBackoffMs again. Default 30 000. */
  stableAfterMs?: number;
}

export interface Supervised<T extends RunningServer> {
  /** The server now running (or the one that just exited, while it is being restarted). */
  readonly current: T;
  readonly restarts: number;
  /** No more restarts; stops the running server (waiting for a restart in progress first). */
  stop(): Promise<void>;
}

/** Starts the server (a failure of this first start is thrown) and restarts it whenever it exits on its own. */
export async function supervise<T extends RunningServer>(opts: SuperviseOptions<T>): Promise<Supervised<T>> {
  const initial = opts.initialBackoffMs ?? 500;
  const max = opts.maxBackoffMs ?? 10_000;
  const stableAfter = opts.stableAfterMs ?? 30_000;
  let stopping = false;
  let delay = initial;
  let restarts = 0;
  let restarting: Promise<void> | undefined;
  let cancelWait: (() => void) | undefined;
  const over = () => stopping || opts.signal?.aborted === true;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        cancelWait = undefined;
        resolve();
      }
      cancelWait = done;
    });
  const onAbort = () => cancelWait?.();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const watch = (server: T) => {
    const startedAt = Date.now();
    void server.exited.then((exit) => {
      if (over() || server !== current) return;
      opts.onExit?.(exit);
      if (Date.now() - startedAt >= stableAfter) delay = initial;
      opts.log(`${opts.name} exited (${describeExit(exit)}); restarting in ${delay / 1000} s`);
      restarting = restart().finally(() => (restarting = undefined));
    });
  };

  const restart = async () => {
    for (;;) {
      const pause = delay;
      delay = Math.min(delay * 2, max);
      await wait(pause);
      if (over()) return;
      try {
        const server = await opts.start();
        if (over()) {
          await server.stop();
          return;
        }
        current = server;
        restarts += 1;
        opts.onStart?.(server);
        opts.log(`${opts.name} restarted (pid ${server.pid})`);
        watch(server);
        return;
      } catch (err) {
        if (over()) return;
        opts.log(`${opts.name} failed to restart: ${(err as Error).message}; trying again in ${delay / 1000} s`);
      }
    }
  };

  let current = await opts.start();
  opts.onStart?.(current);
  watch(current);

  return {
    get current() {
      return current;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      cancelWait?.();
      opts.signal?.removeEventListener('abort', onAbort);
      await restarting;
      await current.stop();
    },
  };
}
