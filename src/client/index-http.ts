// A slice of src/client's surface (index.ts has all of it): the HTTP protocol client alone,
// for code that loads it only when it speaks HTTP (index-core.ts says why).

export { HttpProtocolClient } from "./http-client.ts";
