// What a joining node must share with the cluster beyond the secret its peer calls prove:
// whether callers need a client certificate, and the client and admin tokens. A node started
// with less of these than the others would serve anyone who reaches it what the others refuse
// (a workflow's result, the cluster's status, a retention change that evicts results, a
// leave), so the node taking a registration compares the joiner's profile with its own and
// refuses a difference, naming it. A token shows in a profile only as an HMAC keyed by the
// token itself: equal tokens give equal profiles, and a profile gives no token away.

import { createHmac } from "node:crypto";
import { type NodeId, RaftoralError } from "../lib/index.ts";

/** The settings a profile tells of (a node's NodeSecurity, in src/node). */
export interface ProfiledSecurity {
  /** Mutual TLS: every caller must show a certificate signed by the node's CA. */
  readonly isClientCertRequired: boolean;
  readonly clientToken?: string | undefined;
  readonly adminToken?: string | undefined;
}

/** A profile's parts: "1" or "0" for client certificates, a token's HMAC or "-" for none. */
interface ProfileParts {
  readonly mtls: string;
  readonly client: string;
  readonly admin: string;
}

const NONE = "-";

/** The profile a node sends with its registration, e.g. `mtls=1;client=3f…;admin=-`. */
export function securityProfile(security: ProfiledSecurity): string {
  const parts: ProfileParts = {
    mtls: security.isClientCertRequired ? "1" : "0",
    client: tokenMark(security.clientToken),
    admin: tokenMark(security.adminToken),
  };
  return `mtls=${parts.mtls};client=${parts.client};admin=${parts.admin}`;
}

/**
 * Refuses (FAILED_PRECONDITION, which the joining node does not retry) a joiner whose profile
 * differs from `own`, the profile of node `self` taking the registration. A joiner that sent
 * none (a build from before profiles) is not checked.
 */
export function checkSecurityProfile(own: string, joiner: string | undefined, self: NodeId): void {
  if (joiner === undefined) return;
  const ours = partsOf(own);
  const theirs = partsOf(joiner);
  const differences = [
    ...(ours.mtls === theirs.mtls
      ? []
      : [
          theirs.mtls === "1"
            ? `it requires client certificates (--tls-client-auth) and node ${self} does not`
            : `it does not require client certificates (--tls-client-auth) and node ${self} does`,
        ]),
    ...tokenDifference("--client-token-file", ours.client, theirs.client, self),
    ...tokenDifference("--admin-token-file", ours.admin, theirs.admin, self),
  ];
  if (differences.length === 0) return;
  throw new RaftoralError(
    "FAILED_PRECONDITION",
    `this node's security settings differ from node ${self}'s, and every node must share ` +
      `them: ${differences.join("; ")}. Start it with the --tls-client-auth, ` +
      "--client-token-file and --admin-token-file the other nodes have",
  );
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
    mtls: fields.get("mtls") ?? "0",
    client: fields.get("client") ?? NONE,
    admin: fields.get("admin") ?? NONE,
  };
}

function tokenDifference(flag: string, ours: string, theirs: string, self: NodeId): string[] {
  if (ours === theirs) return [];
  if (theirs === NONE) return [`it has no ${flag} and node ${self} has one`];
  if (ours === NONE) return [`it has a ${flag} and node ${self} has none`];
  return [`its ${flag} holds another token than node ${self}'s`];
}
