/**
 * A Monitor's events between the socket and the consumer: queued until next() takes them, or
 * handed straight to a consumer already waiting. It counts the events made from notifications
 * (the back-pressure limit), and ends with done or with an error after what was queued.
 */
import type { MonitorEvent } from './events.js';
import type { Change } from './state.js';

export interface Queued {
  event: MonitorEvent;
  /** Replay mode: the table change behind the event, to roll back if it is never read. */
  change?: Change;
  /** Made from a notification (counts against maxPendingEvents); snapshots and markers do not. */
  counted: boolean;
}

interface Waiter {
  resolve(result: IteratorResult<MonitorEvent, undefined>): void;
  reject(error: unknown): void;
}

/**
 * A new EventQueue. Monitor makes its queue through this function rather than `new`: the package's
 * bundle keeps this module out of the import's code and loads it when first called
 * (scripts/bundle-package.mjs), which it can do for a function but not for a class.
 */
export function eventQueue(waitersChanged: () => void): EventQueue {
  return new EventQueue(waitersChanged);
}

export class EventQueue {
  #items: Array<Queued | undefined> = [];
  #head = 0;
  #counted = 0;
  readonly #waiters: Waiter[] = [];
  #error: unknown;
  #ended = false;

  /** `waitersChanged` is told when a consumer starts or stops waiting (the socket holds the event loop only then). */
  constructor(private readonly waitersChanged: () => void) {}

  /** Events waiting to be read. */
  get pending(): number {
    return this.#items.length - this.#head;
  }

  /** Of those, the ones made from notifications. */
  get counted(): number {
    return this.#counted;
  }

  /** A consumer waits in next(). */
  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The last event queued and not read yet, if any. */
  get last(): MonitorEvent | undefined {
    return this.pending > 0 ? this.#items[this.#items.length - 1]?.event : undefined;
  }

  push(item: Queued): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.waitersChanged();
      waiter.resolve({ value: item.event, done: false });
      return;
    }
    this.#items.push(item);
    if (item.counted) this.#counted++;
  }

  /** The next event; done once ended (after the queued events), or the error fail() gave. */
  next(closed: boolean): Promise<IteratorResult<MonitorEvent, undefined>> {
    if (this.#head < this.#items.length) {
      const item = this.#items[this.#head]!;
      this.#items[this.#head++] = undefined;
      if (this.#head === this.#items.length) {
        this.#items = [];
        this.#head = 0;
      } else if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      if (item.counted) this.#counted--;
      return Promise.resolve({ value: item.event, done: false });
    }
    if (this.#error !== undefined) {
      const error = this.#error;
      this.#error = undefined;
      this.#ended = true;
      return Promise.reject(error);
    }
    if (this.#ended || closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.waitersChanged();
    });
  }

  /** Ends the iteration now: unread events are discarded, waiting consumers get done. */
  end(): void {
    this.#ended = true;
    this.#clear();
    this.#error = undefined;
    for (const w of this.#waiters.splice(0)) w.resolve({ value: undefined, done: true });
  }

  /** Ends the iteration with `error`, after the events already queued. False if it had ended. */
  fail(error: unknown): boolean {
    if (this.#ended) return false;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#ended = true;
      waiter.reject(error);
      for (const w of this.#waiters.splice(0)) w.resolve({ value: undefined, done: true });
    } else {
      this.#error = error;
    }
    return true;
  }

  /** Discards the unread events, returning the table changes behind them (replay mode rolls them back). */
  takeBackUnread(): Change[] {
    const unread = this.#items.slice(this.#head).flatMap((q) => (q?.change ? [q.change] : []));
    this.#clear();
    return unread;
  }

  #clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#counted = 0;
  }
}
