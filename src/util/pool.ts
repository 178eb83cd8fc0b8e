// A pool of long-lived Deno workers, each holding its own share of the data, answering requests in order.

type Reply<T> = { id: number; ok: true; body: T } | { id: number; ok: false; error: string };

export class WorkerPool<Req, Rep> {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (r: Rep) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(url: URL, readonly size: number) {
    this.workers = Array.from({ length: size }, (_, i) => {
      const w = new Worker(url.href, { type: "module" });
      w.onmessage = (e: MessageEvent<Reply<Rep>>) => {
        const p = this.pending.get(e.data.id)!;
        this.pending.delete(e.data.id);
        if (e.data.ok) p.resolve(e.data.body);
        else p.reject(new Error(`worker ${i}: ${e.data.error}`));
      };
      w.onerror = (e) => {
        e.preventDefault();
        for (const p of this.pending.values()) p.reject(new Error(`worker ${i} crashed: ${e.message}`));
        this.pending.clear();
      };
      return w;
    });
  }

  request(worker: number, body: Req): Promise<Rep> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[worker].postMessage({ id, body });
    });
  }

  /** The same kind of request to every worker (built per worker), answers in worker order. */
  all(build: (worker: number) => Req): Promise<Rep[]> {
    return Promise.all(this.workers.map((_, i) => this.request(i, build(i))));
  }

  close() {
    for (const w of this.workers) w.terminate();
  }
}

/** The worker side: answers each request with `handle`, reporting thrown errors back. */
function serveRequests<Req, Rep>(handle: (req: Req) => Rep | Promise<Rep>) {
  const scope = self as unknown as {
    onmessage: (e: MessageEvent) => void;
    postMessage: (m: unknown) => void;
  };
  scope.onmessage = async (e: MessageEvent<{ id: number; body: Req }>) => {
    try {
      scope.postMessage({ id: e.data.id, ok: true, body: await handle(e.data.body) });
    } catch (err) {
      scope.postMessage({ id: e.data.id, ok: false, error: (err as Error).stack ?? String(err) });
    }
  };
}

/** One function per request kind of a union tagged by `op`, each typed to its request. */
export type Handlers<R extends { op: string }> = { [K in R["op"]]: (req: Extract<R, { op: K }>) => unknown };

/** The worker side of several request families: each request goes to the handler of its op. */
export function serveHandlers(...families: Record<string, (req: never) => unknown>[]) {
  const table = new Map<string, (req: never) => unknown>();
  for (const f of families) {
    for (const [op, h] of Object.entries(f)) {
      if (table.has(op)) throw new Error(`two handlers for '${op}'`);
      table.set(op, h);
    }
  }
  serveRequests((req: { op: string }) => {
    const h = table.get(req.op);
    if (!h) throw new Error(`no handler for '${req.op}'`);
    return h(req as never);
  });
}
