// Sends raw gRPC requests over one HTTP/2 connection (reconnecting when the server closed
// it), so a fuzzer controls frames and headers. The outcome is the grpc-status and message
// (from the headers of a Trailers-Only answer or from the trailers), an HTTP status for
// requests refused before they became calls, a reset, or nothing by the deadline.

import http2 from "node:http2";
import { decodeGrpcMessage } from "../../src/transport/grpc/index.ts";
import type { RawGrpcRequest } from "./grpc-inputs.ts";

export type RawGrpcOutcome =
  | {
      readonly kind: "status";
      readonly httpStatus: number | undefined;
      readonly grpcStatus: number | undefined;
      readonly grpcMessage: string;
    }
  | { readonly kind: "reset"; readonly reason: string }
  | { readonly kind: "no-answer" };

export class RawGrpcSender {
  private session: http2.ClientHttp2Session | undefined;

  constructor(private readonly address: string) {}

  /** Sends `request`; waits `timeoutMs` for a status (`unfinishedWaitMs` if left open). */
  send(
    request: RawGrpcRequest,
    options: { readonly timeoutMs: number; readonly unfinishedWaitMs: number },
  ): Promise<RawGrpcOutcome> {
    const session = this.connection();
    return new Promise((resolve) => {
      let responseHeaders: http2.IncomingHttpHeaders = {};
      let isSettled = false;
      const stream = session.request({
        ":method": request.headers[":method"] ?? "POST",
        ":path": request.path,
        "content-type": "application/grpc",
        te: "trailers",
        ...request.headers,
      });
      const settle = (outcome: RawGrpcOutcome): void => {
        if (isSettled) return;
        isSettled = true;
        clearTimeout(timer);
        if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
        resolve(outcome);
      };
      const finish = (trailers: http2.IncomingHttpHeaders): void => {
        const all = { ...responseHeaders, ...trailers };
        const status = all["grpc-status"];
        const httpStatus = responseHeaders[":status"];
        settle({
          kind: "status",
          httpStatus: typeof httpStatus === "number" ? httpStatus : undefined,
          grpcStatus: typeof status === "string" ? Number(status) : undefined,
          grpcMessage: decodeGrpcMessage(String(all["grpc-message"] ?? "")),
        });
      };
      const timer = setTimeout(
        () => settle({ kind: "no-answer" }),
        request.endStream ? options.timeoutMs : options.unfinishedWaitMs,
      );
      stream.on("response", (received) => {
        responseHeaders = received;
        if (received["grpc-status"] !== undefined || received[":status"] !== 200) finish({});
      });
      stream.on("trailers", finish);
      stream.on("data", () => undefined);
      stream.on("end", () => finish({}));
      // Handled: a reset or a dropped connection is an outcome like any other.
      stream.on("error", (error: Error) => settle({ kind: "reset", reason: error.message }));
      stream.on("close", () =>
        settle({ kind: "reset", reason: `closed (code ${stream.rstCode})` }),
      );
      for (const chunk of request.chunks) stream.write(chunk);
      if (request.endStream) stream.end();
    });
  }

  close(): void {
    this.session?.destroy();
    this.session = undefined;
  }

  private connection(): http2.ClientHttp2Session {
    if (this.session !== undefined && !this.session.closed && !this.session.destroyed) {
      return this.session;
    }
    const session = http2.connect(`http://${this.address}`);
    // Handled: each stream reports its own failure; a dead session is replaced on next use.
    session.on("error", () => undefined);
    this.session = session;
    return session;
  }
}
