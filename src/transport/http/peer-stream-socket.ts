// The receiving end of the HTTP transport's peer stream: GET /raft/stream upgraded to a
// WebSocket, one binary message per batch (msgpack, as the gRPC transport's raft_message).
// Who may open one is checked before the upgrade, like any peer route (http-app.ts). A batch
// the node refuses, or bytes that are not a batch, close the socket with the reason
// (peer-stream-close.ts).

import { decodeBatchMsgpack, type NodeApi } from "../index.ts";
import { replyOfError } from "./http-errors.ts";
import { REFUSAL_CLOSE_CODE, refusalReason } from "./peer-stream-close.ts";

export interface PeerStreamSocketOptions {
  /** Largest batch, encoded; a larger message closes the socket with 1009. */
  readonly batchBytesMax: number;
  /** A socket that carries nothing (not even the pings Bun sends) this long is closed. */
  readonly idleTimeoutSeconds: number;
}

/** What a handler does with the socket Bun passes it. */
interface PeerSocket {
  close(code: number, reason: string): void;
}

/** Bun.serve's `websocket` handlers: every socket is a peer stream into `api`. */
export function peerStreamSocket(api: NodeApi, options: PeerStreamSocketOptions) {
  return {
    maxPayloadLength: options.batchBytesMax,
    idleTimeout: options.idleTimeoutSeconds,
    // Pings keep a quiet stream (a peer with nothing to say for a while) from counting as idle.
    sendPings: true,
    message(socket: PeerSocket, message: string | Uint8Array): void {
      if (typeof message === "string") {
        const reason = refusalReason("INVALID_ARGUMENT", "peer batches are binary msgpack");
        socket.close(REFUSAL_CLOSE_CODE, reason);
        return;
      }
      try {
        api.receivePeerBatch(decodeBatchMsgpack(message));
      } catch (error) {
        const { body } = replyOfError(error);
        socket.close(REFUSAL_CLOSE_CODE, refusalReason(body.code, body.error));
      }
    },
  };
}
