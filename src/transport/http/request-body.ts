// Reading a JSON request body safely: the media type is checked first, the size is checked
// from Content-Length before any byte is read and again while streaming (a chunked body has
// no length), the whole body must arrive within a deadline (a sender trickling bytes cannot
// hold a request open), and only then is the text decoded, parsed and checked for nesting
// depth. Nothing past the limit is held.

import { isJsonDepthWithin, JSON_DEPTH_MAX } from "../../lib/index.ts";
import type { ByteBudget } from "../index.ts";
import { HttpRequestError } from "./http-errors.ts";

/** Limits of one body read. */
export interface BodyLimits {
  readonly bytesMax: number;
  /** The whole body must have arrived this long after the read began. */
  readonly readTimeoutMs: number;
  /** Shared by the reads of one listener's client routes; absent for peer batches. */
  readonly budget?: ByteBudget;
}

/*
 * The budget of client bodies still arriving, per listener. Each body may take 1 MiB and 20 s
 * to arrive, and nothing bounded how many arrived at once: 400 connections that each sent a
 * 1 MiB body but its last byte held 450 MB of a node for those 20 s, and could again at once.
 * So what bodies hold past their first SMALL_BODY_BYTES is counted, and a read that would pass
 * the budget is refused (429), as the gRPC server refuses large request messages
 * (grpc/partial-requests.ts). Peer batches are not counted.
 */
/** What of a body is never counted in the budget: a default HTTP/2 stream window's worth. */
export const SMALL_BODY_BYTES = 64 * 1024;
/** Default bytes of bodies being read past their first SMALL_BODY_BYTES, per listener. */
export const BODY_BUDGET_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

const JSON_MEDIA_TYPE = /^application\/json\s*(;.*)?$/i;

/**
 * The body of `request` parsed as JSON. Throws HttpRequestError: 415 for another media type,
 * 413 past `bytesMax`, 408 past the read deadline, 400 for a bad Content-Length, invalid
 * UTF-8, invalid JSON or JSON nested deeper than JSON_DEPTH_MAX.
 */
export async function readJsonBody(request: Request, limits: BodyLimits): Promise<unknown> {
  const { bytesMax } = limits;
  const mediaType = request.headers.get("content-type");
  if (mediaType === null || !JSON_MEDIA_TYPE.test(mediaType.trim())) {
    throw new HttpRequestError(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      `${request.method} ${pathOf(request)} takes a JSON body; send the header ` +
        `'Content-Type: application/json' (got ${mediaType === null ? "none" : `'${mediaType}'`})`,
    );
  }
  checkDeclaredLength(request.headers.get("content-length"), bytesMax);
  const bytes =
    request.body === null
      ? new Uint8Array()
      : await readBytesLimited(request.body, bytesMax, limits.readTimeoutMs, limits.budget);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw new HttpRequestError(400, "INVALID_ARGUMENT", "the body is not valid UTF-8 text", {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HttpRequestError(
      400,
      "INVALID_ARGUMENT",
      `the body is not valid JSON (${reason}); send one JSON object`,
      { cause: error },
    );
  }
  if (!isJsonDepthWithin(value)) {
    throw new HttpRequestError(
      400,
      "INVALID_ARGUMENT",
      `the body nests deeper than ${JSON_DEPTH_MAX} levels of arrays and objects; send flatter JSON`,
    );
  }
  return value;
}

function checkDeclaredLength(declared: string | null, bytesMax: number): void {
  if (declared === null) return;
  if (!/^\d{1,16}$/.test(declared.trim())) {
    throw new HttpRequestError(
      400,
      "INVALID_ARGUMENT",
      `Content-Length '${declared}' is not a byte count`,
    );
  }
  const length = Number(declared);
  if (length > bytesMax) throw tooLarge(bytesMax, `${length} bytes`);
}

/**
 * Reads a stream to its end, giving up (and cancelling the stream) as soon as more than
 * `bytesMax` bytes arrived, so a peer that lies about or omits its length cannot make us
 * buffer more than the limit; with `timeoutMs`, as soon as the read took that long; and with
 * `budget`, as soon as what it holds past SMALL_BODY_BYTES does not fit there.
 */
export async function readBytesLimited(
  stream: ReadableStream<Uint8Array>,
  bytesMax: number,
  timeoutMs?: number,
  budget?: ByteBudget,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let counted = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired =
    timeoutMs === undefined
      ? undefined
      : new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(tooSlow(timeoutMs)), timeoutMs);
        });
  try {
    for (;;) {
      const { done, value } = await (expired === undefined
        ? reader.read()
        : Promise.race([reader.read(), expired]));
      if (done) break;
      total += value.byteLength;
      if (total > bytesMax) throw tooLarge(bytesMax, `more than ${bytesMax} bytes`);
      chunks.push(value);
      const more = Math.max(0, total - SMALL_BODY_BYTES) - counted;
      if (budget !== undefined && more > 0) {
        if (!budget.tryTake(more)) throw overBudget(budget, total);
        counted += more;
      }
    }
  } catch (error) {
    // We stop reading; cancelling tells the source, and its failure would change nothing.
    await reader.cancel().catch((cancelError: unknown) => void cancelError);
    throw error;
  } finally {
    clearTimeout(timer);
    budget?.give(counted);
  }
  return concat(chunks, total);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(bytesMax: number, got: string): HttpRequestError {
  return new HttpRequestError(
    413,
    "RESOURCE_EXHAUSTED",
    `the body is too large (${got}; the limit is ${bytesMax} bytes); send less`,
  );
}

function overBudget(budget: ByteBudget, got: number): HttpRequestError {
  return new HttpRequestError(
    429,
    "RESOURCE_EXHAUSTED",
    `this node holds ${budget.bytesHeld} bytes of request bodies still arriving, and this ` +
      `one's (${got} bytes so far) would pass the limit of ${budget.bytesMax}; retry shortly`,
  );
}

function tooSlow(timeoutMs: number): HttpRequestError {
  return new HttpRequestError(
    408,
    "TIMEOUT",
    `the body did not arrive within ${timeoutMs} ms; send it at once, or send less`,
  );
}

function pathOf(request: Request): string {
  return new URL(request.url).pathname;
}
