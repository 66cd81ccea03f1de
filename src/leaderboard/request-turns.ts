/**
 * Requests take turns: at most one request's handler starts per event-loop iteration (besides
 * the first one of a quiet spell, which starts at once); the others wait in arrival order.
 *
 * Why: libuv (1.45 and later; Node 20 ships 1.46) takes one new connection off the kernel's
 * accept queue per event-loop iteration, and an iteration lasts as long as handling every
 * request that became ready in it. Under a crowd of kept-alive connections (64 ready requests,
 * about 0.5 ms each) an iteration lasted 30 ms and more, so connections that arrived once the
 * server was busy waited in the kernel's queue one iteration each: 100-750 ms for the last of
 * 64 (bench/server/accept-burst.ts shows it). With one handler per iteration, an iteration
 * lasts about one request and a new connection is accepted after about one request's work.
 *
 * What does not change: every request is handled, in the order it arrived, by the same handler
 * with the same request and response; a request that arrives while none waits starts at once.
 * The cost is one setImmediate and one more loop iteration (an epoll_wait that does not block)
 * per request handled while others wait.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function takingTurns(handler: Handler): Handler {
  // A FIFO as an array and a read index (shift() would copy the array under a crowd).
  let waiting: [IncomingMessage, ServerResponse][] = [];
  let head = 0;
  /** A turn is scheduled (setImmediate): requests arriving meanwhile wait for it. */
  let turnPending = false;

  const nextTurn = () => {
    if (head === waiting.length) {
      waiting = [];
      head = 0;
      turnPending = false;
      return;
    }
    const [req, res] = waiting[head]!;
    waiting[head++] = undefined as never;
    // Scheduled before the handler runs, so the next one waits for the next iteration even if this one throws.
    setImmediate(nextTurn);
    handler(req, res);
  };

  return (req, res) => {
    if (turnPending) {
      waiting.push([req, res]);
      return;
    }
    turnPending = true;
    setImmediate(nextTurn);
    handler(req, res);
  };
}
