import { expect, test } from "bun:test";
import { nodeId, type RaftoralError } from "../lib/index.ts";
import { checkSecurityProfile, securityProfile } from "./security-profile.ts";

const FULL = {
  isClientCertRequired: true,
  hasClusterSecret: true,
  clientToken: "client-token-1",
  adminToken: "admin-1",
};
const N1 = nodeId(1);

function refusal(own: string, joiner: string | undefined): RaftoralError | undefined {
  try {
    checkSecurityProfile(own, joiner, N1);
    return undefined;
  } catch (error) {
    return error as RaftoralError;
  }
}

test("equal settings give equal profiles, which show no token", () => {
  const profile = securityProfile(FULL);
  expect(securityProfile({ ...FULL })).toBe(profile);
  expect(profile).toMatch(/^mtls=1;secret=1;client=[0-9a-f]{16};admin=[0-9a-f]{16}$/);
  expect(profile).not.toContain("client-token-1");
  expect(refusal(profile, profile)).toBeUndefined();
  expect(securityProfile({ isClientCertRequired: false })).toBe("mtls=0;secret=0;client=-;admin=-");
});

test("a joiner with less, more or other settings is refused, naming each difference", () => {
  const own = securityProfile(FULL);
  const weaker = refusal(
    own,
    securityProfile({ isClientCertRequired: false, hasClusterSecret: true }),
  );
  expect(weaker?.code).toBe("FAILED_PRECONDITION");
  expect(weaker?.message).toBe(
    "this node's security settings differ from node 1's, and every node must share them: it " +
      "does not require client certificates (--tls-client-auth) and node 1 does; it has no " +
      "--client-token-file and node 1 has one; it has no --admin-token-file and node 1 has one. " +
      "Start it with the security options the other nodes have, and only those",
  );
  const other = refusal(own, securityProfile({ ...FULL, clientToken: "client-token-2" }));
  expect(other?.message).toContain(
    "them: its --client-token-file holds another token than node 1's. Start",
  );
  const stronger = refusal(securityProfile({ isClientCertRequired: false }), own);
  expect(stronger?.message).toContain(
    "it requires client certificates (--tls-client-auth) and node 1 does not; it has a " +
      "--cluster-secret-file and node 1 has none; it has a --client-token-file and node 1 has none",
  );
});

test("a joiner from a build without profiles joins an open cluster only", () => {
  expect(refusal(securityProfile({ isClientCertRequired: false }), undefined)).toBeUndefined();
  expect(refusal(securityProfile(FULL), undefined)?.message).toStartWith(
    "this node's build does not say which security settings it has, and node 1 has client " +
      "certificates, a cluster secret or tokens",
  );
  const secretOnly = securityProfile({ isClientCertRequired: false, hasClusterSecret: true });
  expect(refusal(secretOnly, undefined)?.code).toBe("FAILED_PRECONDITION");
});
