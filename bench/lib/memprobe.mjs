// Preloaded into a gateway under test (`node --expose-gc --import bench/lib/memprobe.mjs …`): on SIGUSR2 it
// collects garbage (twice, so weak caches settle) and writes process.memoryUsage() to the file named by
// PORTCULLIS_BENCH_MEMPROBE, as one JSON line of bytes. The bench reads the live heap after GC from it, which
// RSS alone cannot show (RSS moves in heap-sized steps and keeps freed young-generation pages).
import { writeFileSync } from 'node:fs';

const out = process.env.PORTCULLIS_BENCH_MEMPROBE;
if (out) {
  process.on('SIGUSR2', () => {
    globalThis.gc?.();
    globalThis.gc?.();
    const m = process.memoryUsage();
    writeFileSync(out, JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, gc: typeof globalThis.gc === 'function' }));
  });
}
