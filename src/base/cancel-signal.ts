/**
 * Cancellation of a call in progress (a client cancelling a ReadRows stream):
 * the part of the DOM AbortSignal that Tabula uses, so an AbortSignal can be
 * passed wherever a CancelSignal is expected. The server makes one per
 * streaming call with `new Cancellation()` instead of an AbortController,
 * which costs ~3 µs to create here (an EventTarget and its signal) against
 * a few ns: a few percent of a point read's server CPU.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A CancelSignal and the means to fire it (AbortController's role). */
export class Cancellation implements CancelSignal {
  aborted = false;
  private listeners: Array<() => void> | undefined;

  /** The signal (this object), as AbortController.signal. */
  get signal(): CancelSignal {
    return this;
  }

  /**
   * Marks the signal aborted and calls each listener once, in the order
   * added; later calls do nothing. A listener that throws does not stop the
   * others; its error is rethrown from a microtask, as EventTarget reports it.
   */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const ls = this.listeners;
    this.listeners = undefined;
    if (!ls) return;
    for (const l of ls) {
      try {
        l();
      } catch (e) {
        queueMicrotask(() => { throw e; });
      }
    }
  }

  /** Listeners run at most once (the signal fires once), so `once` changes nothing. */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return; // as AbortSignal: listeners added after abort are not called
    const ls = (this.listeners ??= []);
    if (!ls.includes(listener)) ls.push(listener); // as EventTarget: one registration per listener
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const ls = this.listeners;
    if (!ls) return;
    const i = ls.indexOf(listener);
    if (i >= 0) ls.splice(i, 1);
  }
}
