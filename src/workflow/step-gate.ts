// Which step bodies may start on this node, and which are still running. A node that stops
// gracefully hands its workflows over to other members; a step body it is running then would
// be run again by the new owner, whose replay finds no checkpoint for it. So the hand-over
// first closes the gate of each group it hands over: no new step body starts here (a run
// that reaches one waits for good: the hand-over stops it), and it waits for the bodies already
// running to end and their checkpoints to be committed, each of which holds a slot until then.
// Pure: no I/O, no clock; the hand-over bounds the wait.

export class StepGate {
  private isOpen = true;
  private running = 0;
  private drainedWaiters: (() => void)[] = [];

  /**
   * A slot's release while the gate is open (synchronous: a step pays no turn for it), or
   * undefined once it is closed, when the step must not start. The release is to be called
   * once the step's checkpoint is committed or dropped; calling it again does nothing.
   */
  enter(): (() => void) | undefined {
    if (!this.isOpen) return undefined;
    this.running++;
    let isHeld = true;
    return () => {
      if (!isHeld) return;
      isHeld = false;
      this.running--;
      if (this.running === 0) for (const drained of this.drainedWaiters.splice(0)) drained();
    };
  }

  /** Closes the gate; resolves once no slot is held. */
  close(): Promise<void> {
    this.isOpen = false;
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainedWaiters.push(resolve));
  }
}
