// The optional execution cluster a start request may name, parsed the same way over every
// transport.

import { type GroupId, groupId, InvalidArgumentError } from "../lib/index.ts";

/** An optional execution cluster id: "" or absent means "let the node choose". */
export function clusterHint(
  text: string | undefined,
  field: string,
): { executionClusterId?: GroupId } {
  if (text === undefined || text === "") return {};
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError(
      `field '${field}' must be a decimal execution cluster id such as "1"`,
    );
  }
  return { executionClusterId: groupId(Number(text)) };
}
