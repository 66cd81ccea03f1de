/**
 * Reads shared by concurrent callers (board.ts, challenge-feed.ts). A read that concurrent callers share, while each caller still sees every change committed
 * before it asked: a caller arriving while a read is in flight waits for the next read, which
 * all such callers share. Under a crowd, one query serves every request that arrived meanwhile.
 */
export class SharedRead<T> {
  private inflight: Promise<T> | undefined;
  private next: Promise<T> | undefined;

  constructor(private readonly query: () => Promise<T>) {}

  read(): Promise<T> {
    if (this.next) return this.next;
    if (!this.inflight) return this.start();
    const after = this.inflight;
    this.next = after.then(noop, noop).then(() => {
      this.next = undefined;
      return this.start();
    });
    return this.next;
  }

  private start(): Promise<T> {
    const p = this.query().finally(() => {
      if (this.inflight === p) this.inflight = undefined;
    });
    this.inflight = p;
    return p;
  }
}

function noop(): void {}
