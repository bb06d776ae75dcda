/** A tiny OTLP/HTTP receiver on 127.0.0.1 for tests: records every POST (path and body). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  contentType: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export async function startOtlpReceiver(): Promise<{ url: string; received: Received[]; waitFor(pred: (r: Received) => boolean, ms?: number): Promise<Received>; close(): Promise<void> }> {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      for (const w of waiters.splice(0)) w();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async waitFor(pred, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = received.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`OTLP receiver: nothing matching after ${ms} ms (got ${received.map((r) => r.path).join(', ') || 'nothing'})`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
