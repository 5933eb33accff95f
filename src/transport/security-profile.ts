// What a joining node must share with the cluster: whether callers need a client
// certificate, whether it has a cluster secret (whose value its peer calls prove), and the
// client and admin tokens. A node started with less of these than the others would serve
// anyone who reaches it what the others refuse (a workflow's result, the cluster's status, a
// retention change that evicts results, a leave), so the node taking a registration compares
// the joiner's profile with its own and refuses a difference, naming it. A token shows in a
// profile only as an HMAC keyed by the token itself: equal tokens give equal profiles, and a
// profile gives no token away.

import { createHmac } from "node:crypto";
import { type NodeId, RaftoralError } from "../lib/index.ts";

/** The settings a profile tells of (a node's NodeSecurity, in src/node). */
export interface ProfiledSecurity {
  /** Mutual TLS: every caller must show a certificate signed by the node's CA. */
  readonly isClientCertRequired: boolean;
  /** Whether the node has a cluster secret (its value is proved by every peer call). */
  readonly hasClusterSecret?: boolean;
  readonly clientToken?: string | undefined;
  readonly adminToken?: string | undefined;
}

/** A profile's parts: "1" or "0" for a setting on or off, a token's HMAC or "-" for none. */
interface ProfileParts {
  readonly mtls: string;
  readonly secret: string;
  readonly client: string;
  readonly admin: string;
}

const NONE = "-";
/** What a cluster without any of these settings sends: a joiner with none is not refused. */
const OPEN: ProfileParts = { mtls: "0", secret: "0", client: NONE, admin: NONE };

/** The profile a node sends with its registration, e.g. `mtls=1;secret=1;client=3f…;admin=-`. */
export function securityProfile(security: ProfiledSecurity): string {
  const on = (isOn: boolean | undefined) => (isOn === true ? "1" : "0");
  const parts: ProfileParts = {
    mtls: on(security.isClientCertRequired),
    secret: on(security.hasClusterSecret),
    client: tokenMark(security.clientToken),
    admin: tokenMark(security.adminToken),
  };
  return Object.entries(parts)
    .map(([key, value]) => `${key}=${value}`)
    .join(";");
}

/**
 * Refuses (FAILED_PRECONDITION, which the joining node does not retry) a joiner whose profile
 * differs from `own`, the profile of node `self` taking the registration. A joiner that sent
 * none is a build from before profiles: taken into a cluster with none of these settings, and
 * refused by one that has some, since nothing says it has them too.
 */
export function checkSecurityProfile(own: string, joiner: string | undefined, self: NodeId): void {
  const ours = partsOf(own);
  if (joiner === undefined) {
    if (sameParts(ours, OPEN)) return;
    throw new RaftoralError(
      "FAILED_PRECONDITION",
      `this node's build does not say which security settings it has, and node ${self} has ` +
        "client certificates, a cluster secret or tokens that every node must share: join " +
        "it with the build the cluster runs (or a newer one), with the same settings",
    );
  }
  const theirs = partsOf(joiner);
  const differences = [
    ...switchDifference(
      "mtls",
      `it requires client certificates (--tls-client-auth) and node ${self} does not`,
      `it does not require client certificates (--tls-client-auth) and node ${self} does`,
    ),
    ...switchDifference(
      "secret",
      `it has a --cluster-secret-file and node ${self} has none`,
      `it has no --cluster-secret-file and node ${self} has one`,
    ),
    ...tokenDifference("--client-token-file", ours.client, theirs.client, self),
    ...tokenDifference("--admin-token-file", ours.admin, theirs.admin, self),
  ];
  if (differences.length === 0) return;
  throw new RaftoralError(
    "FAILED_PRECONDITION",
    `this node's security settings differ from node ${self}'s, and every node must share ` +
      `them: ${differences.join("; ")}. Start it with the security options the other nodes ` +
      "have, and only those",
  );

  function switchDifference(key: "mtls" | "secret", isOn: string, isOff: string): string[] {
    if (ours[key] === theirs[key]) return [];
    return [theirs[key] === "1" ? isOn : isOff];
  }
}

function tokenMark(token: string | undefined): string {
  if (token === undefined) return NONE;
  return createHmac("sha256", token).update("raftoral token mark").digest("hex").slice(0, 16);
}

function partsOf(profile: string): ProfileParts {
  const fields = new Map(
    profile.split(";").map((field) => field.split("=", 2) as [string, string]),
  );
  return {
    mtls: fields.get("mtls") ?? OPEN.mtls,
    secret: fields.get("secret") ?? OPEN.secret,
    client: fields.get("client") ?? OPEN.client,
    admin: fields.get("admin") ?? OPEN.admin,
  };
}

function sameParts(a: ProfileParts, b: ProfileParts): boolean {
  return a.mtls === b.mtls && a.secret === b.secret && a.client === b.client && a.admin === b.admin;
}

function tokenDifference(flag: string, ours: string, theirs: string, self: NodeId): string[] {
  if (ours === theirs) return [];
  if (theirs === NONE) return [`it has no ${flag} and node ${self} has one`];
  if (ours === NONE) return [`it has a ${flag} and node ${self} has none`];
  return [`its ${flag} holds another token than node ${self}'s`];
}
