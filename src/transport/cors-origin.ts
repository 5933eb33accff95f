// What --cors-origin takes (transport/http/cors.ts uses the list): origins as browsers send
// them in the Origin header, or * for any.

/** An origin as browsers send it: scheme, host and port, nothing after. */
const ORIGIN_PATTERN = /^https?:\/\/[^/?#\s]+$/;

/** What is wrong with `origin` as an allowed origin, if anything. */
export function corsOriginProblem(origin: string): string | undefined {
  if (origin === "*" || ORIGIN_PATTERN.test(origin)) return undefined;
  return `'${origin}' is not an origin: give scheme, host and port, such as https://app.example.com or http://localhost:3000, or * for any`;
}
