// Runs an operation again when it fails, a bounded number of times, for start-up steps whose
// failures are passing (a leader still being elected, a proposal dropped by a new leader).

import { type Logger, RaftoralError, toError } from "../lib/index.ts";

const ATTEMPTS_MAX = 5;

/** Resolves once `attempt` succeeds; UNAVAILABLE naming `what` after ATTEMPTS_MAX failures. */
export async function retried(
  options: { readonly what: string; readonly logger: Logger },
  attempt: () => Promise<unknown>,
): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await attempt();
      return;
    } catch (error) {
      const message = toError(error).message;
      if (tries >= ATTEMPTS_MAX) {
        throw new RaftoralError("UNAVAILABLE", `could not ${options.what}: ${message}`, {
          cause: error,
        });
      }
      options.logger.debug(`Retrying: ${options.what}`, { error: message });
    }
  }
}
