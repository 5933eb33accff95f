// The keepalive's verdicts under a virtual clock: a peer that answers lives, one that stops
// answering is dead a timeout later, an idle connection is not pinged, and time the process
// spent elsewhere (a tick that fires late) is not counted as the peer's silence.

import { describe, expect, test } from "bun:test";
import { type CancelTimer, type Clock, VirtualClock } from "../lib/index.ts";
import { Keepalive, type KeepaliveProbe } from "./keepalive.ts";

const TIMING = { intervalMs: 100, timeoutMs: 500 };

/** A probe whose peer answers each ping after `answerMs` (undefined: never). */
class FakePeer implements KeepaliveProbe {
  answerMs: number | undefined = 10;
  inUse = true;
  pings = 0;
  deaths: string[] = [];
  constructor(private readonly clock: Clock) {}
  ping(answered: () => void): void {
    this.pings++;
    if (this.answerMs !== undefined) this.clock.setTimer(this.answerMs, answered);
  }
  dead(message: string): void {
    this.deaths.push(message);
  }
  isInUse(): boolean {
    return this.inUse;
  }
}

/** A clock whose next timers fire `stallMs` late, as when the process was busy. */
class StallingClock implements Clock {
  stallMs = 0;
  constructor(private readonly inner: VirtualClock) {}
  nowMs(): number {
    return this.inner.nowMs();
  }
  wallMs(): number {
    return this.inner.wallMs();
  }
  setTimer(delayMs: number, callback: () => void): CancelTimer {
    return this.inner.setTimer(delayMs + this.stallMs, callback);
  }
  runSoon(callback: () => void): void {
    this.inner.runSoon(callback);
  }
}

describe("Keepalive", () => {
  test("a peer that answers is pinged every interval and never declared dead", () => {
    const clock = new VirtualClock();
    const peer = new FakePeer(clock);
    new Keepalive(clock, TIMING, peer).start();
    clock.advance(10_000);
    expect(peer.deaths).toEqual([]);
    expect(peer.pings).toBeGreaterThanOrEqual(45);
  });

  test("a peer that stops answering is dead once a ping waited the timeout", () => {
    const clock = new VirtualClock();
    const peer = new FakePeer(clock);
    new Keepalive(clock, TIMING, peer).start();
    clock.advance(1_000);
    peer.answerMs = undefined;
    const silentFromMs = clock.nowMs();
    const pingsBefore = peer.pings;
    clock.advance(400);
    expect(peer.deaths).toEqual([]);
    clock.advance(400);
    expect(peer.deaths).toEqual(["no answer to a ping for 500 ms"]);
    // One unanswered ping is enough: no more are sent while it waits.
    expect(peer.pings - pingsBefore).toBe(1);
    expect(clock.nowMs() - silentFromMs).toBeLessThanOrEqual(
      TIMING.timeoutMs + 3 * TIMING.intervalMs,
    );
    clock.advance(5_000);
    expect(peer.deaths).toHaveLength(1);
  });

  test("a connection without calls is not pinged, and one stopped is not judged", () => {
    const clock = new VirtualClock();
    const peer = new FakePeer(clock);
    peer.inUse = false;
    const keepalive = new Keepalive(clock, TIMING, peer);
    keepalive.start();
    clock.advance(2_000);
    expect(peer.pings).toBe(0);
    peer.inUse = true;
    peer.answerMs = undefined;
    clock.advance(150);
    expect(peer.pings).toBe(1);
    keepalive.stop();
    clock.advance(5_000);
    expect(peer.deaths).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });

  test("time the process spent elsewhere is not the peer's silence", () => {
    const virtual = new VirtualClock();
    const clock = new StallingClock(virtual);
    const peer = new FakePeer(clock);
    peer.answerMs = 150;
    new Keepalive(clock, TIMING, peer).start();
    virtual.advance(1_000);
    // From here the ticks and the answers come 2 s late, as in a process busy for 2 s: a tick
    // then finds its ping unanswered for 2.1 s, its answer waiting to be read after it.
    clock.stallMs = 2_000;
    virtual.advance(3_000);
    clock.stallMs = 0;
    virtual.advance(3_000);
    expect(peer.deaths).toEqual([]);
  });

  test("a ping queued behind bytes the peer is still taking is not silence; once it stops taking, it is", () => {
    // A 1 Mbit/s link behind a 4 MiB batch: the ping's answer comes after 32 s, while the
    // socket's buffer drains all along (network tour, 2026-12-07). Before, the stream was
    // ended every 5 s and the batch sent again from the start: the follower never caught up.
    const clock = new VirtualClock();
    const peer = new FakePeer(clock);
    let taken = 0;
    const keepalive = new Keepalive(clock, TIMING, {
      ping: (answered) => peer.ping(answered),
      dead: (message) => peer.dead(message),
      progress: () => taken,
    });
    keepalive.start();
    peer.answerMs = undefined;
    for (let ms = 0; ms < 10_000; ms += 50) {
      taken += 6_250;
      clock.advance(50);
    }
    expect(peer.deaths).toEqual([]);
    // The link stops carrying anything: dead within a timeout and a tick or two.
    clock.advance(TIMING.timeoutMs + 2 * TIMING.intervalMs);
    expect(peer.deaths).toEqual(["no answer to a ping for 500 ms"]);
    keepalive.stop();
  });
});
