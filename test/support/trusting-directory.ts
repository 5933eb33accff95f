// A MembershipDirectory that counts every node as a member of every group, for tests of the
// host's other behaviours (replication, storage, workflows) where no node is hostile and no
// management state exists. Authorization itself is tested in test/multiraft/peer-authorization.
import type { MembershipDirectory } from "../../src/multiraft/index.ts";

export const TRUSTING_DIRECTORY: MembershipDirectory = {
  isClusterNode: () => true,
  isRecordedMember: () => true,
  isRemoved: () => false,
};
