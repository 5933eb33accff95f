// POST /cluster/retention: the route, the request body's fields and the answer's, in the
// HTTP API's snake_case. The node validates the setting as a whole (lib/retention.ts); here each field
// only has to be a whole number of the right range.

import type { Hono } from "hono";
import {
  fieldReaders,
  InvalidArgumentError,
  RETENTION_FINISHED_MAX,
  RETENTION_MS_MAX,
} from "../../lib/index.ts";
import type { NodeApi, RetentionInfo, RetentionRequest } from "../index.ts";
import { type BodyLimits, readJsonBody } from "./request-body.ts";

/** Registers the route (admin access: see ROUTES in http-app.ts). */
export function addRetentionRoute(app: Hono, api: NodeApi, limits: BodyLimits): void {
  app.post("/cluster/retention", async (c) => {
    const request = parseRetentionRequest(await readJsonBody(c.req.raw, limits));
    const signal = c.req.raw.signal;
    return c.json(retentionJson(await api.clusterRetention(request, { signal })));
  });
}

const read = fieldReaders(
  (path, problem) => new InvalidArgumentError(`field '${path}' ${problem}`),
);

const EXAMPLE = `{"finished_max": 10000, "retain_for_ms": 0, "retain_at_least_ms": 3600000}`;

/** `{finished_max?, retain_for_ms?, retain_at_least_ms?}`; `{}` (or no body) only reads. */
export function parseRetentionRequest(body: unknown): RetentionRequest {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) {
    throw new InvalidArgumentError(`the body must be a JSON object such as ${EXAMPLE}`);
  }
  const f = body as Record<string, unknown>;
  const field = (name: string, min: number, max: number) =>
    read.optional<number | undefined>(f[name], undefined, (value) =>
      read.integer(value, name, { min, max }),
    );
  const finishedMax = field("finished_max", 1, RETENTION_FINISHED_MAX);
  const retainForMs = field("retain_for_ms", 0, RETENTION_MS_MAX);
  const retainAtLeastMs = field("retain_at_least_ms", 0, RETENTION_MS_MAX);
  return {
    ...(finishedMax === undefined ? {} : { finishedMax }),
    ...(retainForMs === undefined ? {} : { retainForMs }),
    ...(retainAtLeastMs === undefined ? {} : { retainAtLeastMs }),
  };
}

export function retentionJson(info: RetentionInfo) {
  return {
    success: true,
    finished_max: info.retention.finishedMax,
    retain_for_ms: info.retention.retainForMs,
    retain_at_least_ms: info.retention.retainAtLeastMs,
    is_set: info.isSet,
  };
}
