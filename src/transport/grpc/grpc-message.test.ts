import { describe, expect, test } from "bun:test";
import { decodeGrpcMessage, encodeGrpcMessage } from "./grpc-message.ts";

describe("grpc-message percent-encoding", () => {
  test("leaves printable ASCII alone, ':' included", () => {
    expect(encodeGrpcMessage("group 7: node 2 is not the leader")).toBe(
      "group 7: node 2 is not the leader",
    );
  });

  test("escapes '%', control bytes and every byte of non-ASCII characters", () => {
    expect(encodeGrpcMessage("100%")).toBe("100%25");
    expect(encodeGrpcMessage("a\nb\tc")).toBe("a%0Ab%09c");
    expect(encodeGrpcMessage("é")).toBe("%C3%A9");
    expect(encodeGrpcMessage("\u007f")).toBe("%7F");
  });

  test("round-trips any text", () => {
    for (const text of ["", "plain", "nœud 5 introuvable: 100%", "日本語 ✓", "emoji 🚀\r\n%41"]) {
      expect(decodeGrpcMessage(encodeGrpcMessage(text))).toBe(text);
    }
  });

  test("decoding never throws: bad escapes stay as they are, bad UTF-8 becomes U+FFFD", () => {
    expect(decodeGrpcMessage("50%")).toBe("50%");
    expect(decodeGrpcMessage("%zz%4")).toBe("%zz%4");
    expect(decodeGrpcMessage("%FF")).toBe("\ufffd");
  });
});
