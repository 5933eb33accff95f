// Public surface of src/transport/http: the HTTP/JSON transport (QUICKSTART "HTTP Endpoints")
// as a server over a NodeApi and a PeerTransport for inter-node batches.

export { createHttpApp, type HttpAppOptions } from "./http-app.ts";
export {
  codeOfHttpStatus,
  type ErrorBody,
  HttpRequestError,
  INTERNAL_MESSAGE,
  replyOfError,
} from "./http-errors.ts";
export { HttpPeerTransport, type HttpPeerTransportOptions } from "./http-peer-transport.ts";
export {
  BODY_READ_TIMEOUT_MS_DEFAULT,
  CLIENT_BODY_BYTES_MAX_DEFAULT,
  HttpListenError,
  HttpTransportServer,
  type HttpTransportServerOptions,
  IDLE_TIMEOUT_SECONDS_DEFAULT,
  PEER_BODY_BYTES_MAX_DEFAULT,
} from "./http-transport-server.ts";
export { listedJson } from "./list-route.ts";
export {} from "./request-fields.ts";
export {
  clusterStatusJson,
  describedJson,
  leftJson,
  outcomeJson,
  recoveredJson,
  signaledJson,
  startedJson,
} from "./response-fields.ts";
export { stoppedJson } from "./stop-fields.ts";
