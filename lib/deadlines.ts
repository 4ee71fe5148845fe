import { monotonicMs } from './clock.js';
import { SETTLED } from './pending-request.js';

/** Something that times out: at `deadline` (monotonicMs()), unless settled before. */
export interface Timed {
  /** monotonicMs() after which it expires. */
  deadline: number;
  /** The timeout it was given; entries are grouped by it. */
  timeoutMs: number;
  /** SETTLED (lib/pending-request.ts) once settled: such entries are skipped (and dropped lazily). */
  readonly state: number;
}

/**
 * Entries of one timeout length, in the order they were added (their deadlines only grow), in
 * items[head, tail). The array is reused, not replaced: emptied, it keeps its room.
 */
interface Group<T> {
  items: Array<T | undefined>;
  head: number;
  tail: number;
}

/**
 * The timeouts of many requests with ONE timer (instead of a setTimeout/clearTimeout pair per
 * request): the timer is armed for the earliest deadline and, when it fires, expires what is due
 * and re-arms. Entries with the same timeout expire in the order they were added, so each group is
 * a queue whose head is its earliest deadline. The timer is unref'd: it never holds the process.
 */
export class Deadlines<T extends Timed> {
  readonly #groups = new Map<number, Group<T>>();
  readonly #expire: (entry: T) => void;
  readonly #beforeExpiring: ((due: readonly T[]) => void) | undefined;
  /** The entries found due by a run (reused). */
  readonly #due: T[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  readonly #fire = (): void => this.#run();

  /**
   * `expire` is called for each entry whose deadline passed, unsettled, in deadline order per group.
   * `beforeExpiring`, when given, is called first with those entries, once per run that found any:
   * it may settle some of them (an answer that came while the event loop was held up elsewhere,
   * waiting to be read), and only the ones still unsettled after it expire.
   */
  constructor(expire: (entry: T) => void, beforeExpiring?: (due: readonly T[]) => void) {
    this.#expire = expire;
    this.#beforeExpiring = beforeExpiring;
  }

  /** Adds an entry (deadline and timeoutMs set); an entry re-added with another timeout moves groups. */
  add(entry: T): void {
    let group = this.#groups.get(entry.timeoutMs);
    if (!group) {
      group = { items: [], head: 0, tail: 0 };
      this.#groups.set(entry.timeoutMs, group);
    }
    // Drop settled entries at the head (requests mostly settle in order), compacting now and then.
    const items = group.items;
    while (group.head < group.tail && items[group.head]!.state === SETTLED) items[group.head++] = undefined;
    if (group.head === group.tail) {
      group.head = group.tail = 0;
    } else if (group.head >= 1024 && group.head * 2 >= group.tail) {
      items.copyWithin(0, group.head, group.tail);
      items.fill(undefined, group.tail - group.head, group.tail);
      group.tail -= group.head;
      group.head = 0;
    }
    items[group.tail++] = entry;
    if (entry.deadline < this.#timerAt) this.#arm(entry.deadline);
  }

  /** Forgets everything and stops the timer. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#groups.clear();
  }

  #arm(at: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(at - monotonicMs())));
    this.#timer.unref();
  }

  /** Expires every entry whose deadline has passed (never one before it), and re-arms. */
  #run(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = monotonicMs();
    const due = this.#due;
    for (const [timeoutMs, group] of this.#groups) {
      while (group.head < group.tail) {
        const entry = group.items[group.head]!;
        // Settled, or moved to another group since: not this group's to expire.
        if (entry.state !== SETTLED && entry.timeoutMs === timeoutMs) {
          if (entry.deadline > now) break;
          due.push(entry);
        }
        group.items[group.head++] = undefined;
      }
      if (group.head >= group.tail) this.#groups.delete(timeoutMs);
    }
    if (due.length > 0) {
      try {
        this.#beforeExpiring?.(due);
        // Given a later deadline meanwhile (an abandoned request's wait for its answer): not due now.
        for (const entry of due) if (entry.state !== SETTLED && entry.deadline <= now) this.#expire(entry);
      } finally {
        due.length = 0;
      }
    }
    let next = Infinity;
    for (const group of this.#groups.values()) if (group.head < group.tail) next = Math.min(next, group.items[group.head]!.deadline);
    if (next < Infinity) this.#arm(next);
  }
}
