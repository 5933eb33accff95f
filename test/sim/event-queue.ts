// A min-heap of timed events for the simulator. Ties are broken by insertion order, so a
// run depends only on its seed.

export interface SimEvent {
  readonly time: number;
  readonly sequence: number;
  readonly run: () => void;
}

export class EventQueue {
  private readonly heap: SimEvent[] = [];
  private sequence = 0;

  schedule(time: number, run: () => void): void {
    this.heap.push({ time, sequence: this.sequence++, run });
    this.siftUp(this.heap.length - 1);
  }

  pop(): SimEvent | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  peekTime(): number | undefined {
    return this.heap[0]?.time;
  }

  size(): number {
    return this.heap.length;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a] as SimEvent;
    const y = this.heap[b] as SimEvent;
    return x.time < y.time || (x.time === y.time && x.sequence < y.sequence);
  }

  private swap(a: number, b: number): void {
    const x = this.heap[a] as SimEvent;
    this.heap[a] = this.heap[b] as SimEvent;
    this.heap[b] = x;
  }

  private siftUp(index: number): void {
    let child = index;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.less(child, parent)) return;
      this.swap(child, parent);
      child = parent;
    }
  }

  private siftDown(index: number): void {
    let parent = index;
    for (;;) {
      const left = parent * 2 + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < this.heap.length && this.less(left, smallest)) smallest = left;
      if (right < this.heap.length && this.less(right, smallest)) smallest = right;
      if (smallest === parent) return;
      this.swap(parent, smallest);
      parent = smallest;
    }
  }
}
