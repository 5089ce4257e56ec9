/**
 * A one-slot mailbox: put() replaces what is waiting (newest wins), take() empties it. Real-time
 * stages hand frames over through this instead of a queue, so a slow stage drops frames rather
 * than falling behind.
 */
export class LatestSlot<T> {
  private value: T | undefined;

  /** Stores `value`; returns true when it replaced (dropped) a waiting one. */
  put(value: T): boolean {
    const dropped = this.value !== undefined;
    this.value = value;
    return dropped;
  }

  take(): T | undefined {
    const value = this.value;
    this.value = undefined;
    return value;
  }

  get full(): boolean {
    return this.value !== undefined;
  }
}
