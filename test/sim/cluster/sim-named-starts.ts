// The whole-system simulation's client of starts under ids of its own (SystemSimOptions.
// namedStarts): each id is started by two starters at once, on random nodes, each naming a
// random execution group half of the time (the first claim decides), and a start that fails is
// sent again under the same id and input, to another node, up to twice. Whatever
// reached a group, the id must run once (checkOneStartPerId), every acknowledgement must name
// one group (or one whose results moved there since), and an acknowledged one must finish like
// any other workflow of the run.

import type { ProtocolClient } from "../../../src/client/index.ts";
import type { GroupId, Random } from "../../../src/lib/index.ts";
import { type ManagementState, resultsHolder } from "../../../src/management/index.ts";
import { SystemSimFailure } from "./sim-checks.ts";
import { SIM_STEPS } from "./sim-workflows.ts";

export interface NamedStartsContext {
  readonly random: Random;
  readonly isFaultPhase: () => boolean;
  /** A client of a random live node. */
  readonly client: () => ProtocolClient;
  /** Numbers the next start request (its input's `request`, see checkRequests). */
  readonly nextRequest: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** The execution groups a caller may name now. */
  readonly groups: () => readonly GroupId[];
  /** Records the first acknowledgement of an id: the run's checks then follow the workflow. */
  readonly acknowledge: (workflowId: string, group: GroupId) => void;
}

const ATTEMPTS = 3;

export class NamedStarts {
  /** Every acknowledgement of each id: the groups they named. */
  private readonly acknowledged = new Map<string, GroupId[]>();

  constructor(private readonly context: NamedStartsContext) {}

  async run(): Promise<void> {
    const { context } = this;
    for (let n = 1; context.isFaultPhase(); n++) {
      const workflowId = `named-${n}`;
      const input = { n: context.random.int(1, 5), request: context.nextRequest() };
      const request = { workflowType: SIM_STEPS.name, version: 1, input, workflowId };
      const starter = async (): Promise<void> => {
        for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
          try {
            const groups = context.groups();
            const named = groups.length > 0 && context.random.chance(0.5);
            const chosen = named ? { executionClusterId: context.random.pick(groups) } : {};
            const started = await context
              .client()
              .startWorkflow({ ...request, ...chosen }, { timeoutMs: 20_000 });
            this.acknowledge(workflowId, started.executionClusterId);
            return;
          } catch {
            // Handled: its outcome unknown, the start is sent again under the same id.
          }
        }
      };
      await Promise.all([starter(), starter()]);
      await context.sleep(context.random.int(10, 300));
    }
  }

  /** Every acknowledgement of an id named the group that holds its results now. */
  check(state: ManagementState): void {
    for (const [workflowId, groups] of this.acknowledged) {
      const holders = new Set(groups.map((group) => resultsHolder(state, group)));
      if (holders.size > 1) {
        throw new SystemSimFailure(
          `workflow ${workflowId} was acknowledged in groups ${groups.join(", ")}, whose results are in ${[...holders].join(", ")}`,
        );
      }
    }
  }

  private acknowledge(workflowId: string, group: GroupId): void {
    const groups = this.acknowledged.get(workflowId);
    if (groups !== undefined) groups.push(group);
    else {
      this.acknowledged.set(workflowId, [group]);
      this.context.acknowledge(workflowId, group);
    }
  }
}
