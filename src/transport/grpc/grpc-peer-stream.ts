// One peer stream over gRPC: a RaftService/StreamMessages call that stays open, each batch one
// GenericMessage on it (msgpack in raft_message, as SendMessage). The receiver's first answer
// says it accepted the stream; the call's end, whatever its cause, is the stream's end.

import { RaftoralError } from "../../lib/index.ts";
import type { PeerBatch, PeerStream, PeerStreamEvents } from "../index.ts";
import type { BidiCall } from "./client.ts";
import { genericMessageOfBatch } from "./peer-batch-message.ts";
import type { GenericMessage, MessageResponse } from "./raftoral-messages.ts";

/** The call that carries the stream. */
export type PeerStreamCall = BidiCall<GenericMessage, MessageResponse>;

export class GrpcPeerStream implements PeerStream {
  private readonly address: string;
  private readonly events: PeerStreamEvents;
  private readonly call: PeerStreamCall | undefined;
  private isOpen = false;
  private isClosedHere = false;
  private isEnded = false;

  /** `start` begins the call; what it throws is reported as the stream's end. */
  constructor(address: string, events: PeerStreamEvents, start: () => PeerStreamCall) {
    this.address = address;
    this.events = events;
    let call: PeerStreamCall | undefined;
    try {
      call = start();
    } catch (error) {
      // Reported like any other end, and never from inside the constructor.
      queueMicrotask(() => this.end(error));
    }
    this.call = call;
    if (call !== undefined) void this.read(call);
  }

  send(batch: PeerBatch): void {
    this.call?.send(genericMessageOfBatch(batch));
  }

  bufferedBytes(): number {
    return this.call?.bufferedBytes() ?? 0;
  }

  close(): void {
    if (this.isClosedHere) return;
    this.isClosedHere = true;
    this.call?.cancel("the sender closed the stream");
  }

  private async read(call: PeerStreamCall): Promise<void> {
    try {
      for await (const response of call.responses) {
        if (!response.success) {
          throw new RaftoralError("UNAVAILABLE", `${this.address} refused: ${response.error}`);
        }
        if (!this.isOpen) {
          this.isOpen = true;
          this.events.onOpen();
        }
      }
      this.end(new RaftoralError("UNAVAILABLE", `${this.address} ended the stream`));
    } catch (error) {
      this.end(error);
    }
  }

  private end(error: unknown): void {
    if (this.isEnded) return;
    this.isEnded = true;
    if (this.isClosedHere) {
      this.events.onClose(undefined);
      return;
    }
    this.events.onClose(
      error instanceof RaftoralError
        ? error
        : new RaftoralError("UNAVAILABLE", `stream to ${this.address} failed: ${String(error)}`, {
            cause: error,
          }),
    );
  }
}
