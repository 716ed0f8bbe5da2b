// Rate limit for the onProblem callback: at most one call a minute per kind. Counts that arrive in
// between are summed and reported when the minute is over (a timer), so no loss goes unreported.
// A problem carries a code and a count, never record content.

export type ProblemKind = 'write_failed' | 'dropped';

export interface Problem {
  readonly kind: ProblemKind;
  readonly code: string;
  readonly count: number;
}

interface Pending {
  code: string;
  count: number;
}

export class ProblemReporter {
  private readonly last = new Map<ProblemKind, number>();
  private readonly pending = new Map<ProblemKind, Pending>();
  private readonly timers = new Map<ProblemKind, NodeJS.Timeout>();

  constructor(
    private readonly onProblem: ((p: Problem) => void) | undefined,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  report(kind: ProblemKind, code: string, count: number): void {
    if (this.onProblem === undefined || count <= 0) return;
    const p = this.pending.get(kind);
    // The latest code wins: it is the one an operator can still act on.
    if (p === undefined) this.pending.set(kind, { code, count });
    else {
      p.code = code;
      p.count += count;
    }
    const wait = (this.last.get(kind) ?? -Infinity) + this.intervalMs - this.now();
    if (wait <= 0) this.emit(kind);
    else if (!this.timers.has(kind)) {
      const t = setTimeout(() => this.emit(kind), wait);
      t.unref();
      this.timers.set(kind, t);
    }
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private emit(kind: ProblemKind): void {
    this.timers.delete(kind);
    const p = this.pending.get(kind);
    if (p === undefined) return;
    this.pending.delete(kind);
    this.last.set(kind, this.now());
    try {
      this.onProblem?.({ kind, code: p.code, count: p.count });
    } catch {
      // A failing logger must not break the decision path.
    }
  }
}
