// Reading a management role off the wire, where it travels as text.

import type { ManagementRole } from "../transport/index.ts";

/** "voter" and "learner" as sent; anything else (a newer server's word) reads as "joining". */
export function managementRoleOf(value: unknown): ManagementRole {
  return value === "voter" || value === "learner" ? value : "joining";
}
