/**
 * Newline-delimited framing with a bound: a line longer than `maxBytes` is dropped (and
 * everything up to its newline), so a peer that never sends a newline cannot grow our memory.
 */
export class LineSplitter {
  private chunks: Buffer[] = [];
  private pending = 0;
  private discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversize: () => void,
  ) {}

  push(d: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = d.indexOf(10, start);
      if (nl === -1) {
        const rest = d.subarray(start);
        if (this.discarding || rest.length === 0) return;
        this.pending += rest.length;
        if (this.pending > this.maxBytes) {
          this.chunks = [];
          this.pending = 0;
          this.discarding = true;
          this.onOversize();
          return;
        }
        this.chunks.push(rest);
        return;
      }
      const part = d.subarray(start, nl);
      start = nl + 1;
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      const total = this.pending + part.length;
      let line: Buffer = part;
      if (this.chunks.length > 0) {
        this.chunks.push(part);
        line = Buffer.concat(this.chunks);
        this.chunks = [];
      }
      this.pending = 0;
      if (total > this.maxBytes) {
        this.onOversize();
        continue;
      }
      this.onLine(line.toString('utf8'));
    }
  }
}
