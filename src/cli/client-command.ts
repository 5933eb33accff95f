// The client subcommands as parsed: what each one asks for, and how it reaches the nodes.

import type { RetentionRequest } from "../client/index.ts";
import type { JsonArgument } from "./json-argument.ts";
import type { ListFilter } from "./list-args.ts";
import type { ClientSecurityPaths } from "./load-security.ts";
import type { TransportKind } from "./server-args.ts";

/** What every client subcommand takes. */
export interface Connection {
  readonly addresses: readonly string[];
  /** The protocol for addresses without a scheme. */
  readonly transport: TransportKind;
  /** --timeout in ms, when given. */
  readonly timeoutMs?: number;
  readonly json: boolean;
  /** --tls-ca, --tls-cert, --tls-key and --token-file: files, read when the command runs. */
  readonly security: ClientSecurityPaths;
}

export type ClientCommand =
  | {
      readonly kind: "workflow-run";
      readonly name: string;
      readonly input: JsonArgument;
      readonly version: number;
      readonly cluster?: string;
      /** --workflow-id: the caller's id, which makes the start safe to repeat. */
      readonly workflowId?: string;
      readonly wait: boolean;
      readonly connection: Connection;
    }
  | {
      readonly kind: "workflow-wait";
      readonly workflowId: string;
      /** Absent: the node finds the execution cluster. */
      readonly cluster?: string;
      readonly connection: Connection;
    }
  | {
      readonly kind: "workflow-signal";
      readonly workflowId: string;
      readonly name: string;
      readonly payload: JsonArgument;
      readonly cluster?: string;
      /** --event-id: the sender's id, which makes the signal safe to repeat. */
      readonly eventId?: string;
      readonly connection: Connection;
    }
  | {
      readonly kind: "workflow-cancel" | "workflow-terminate";
      readonly workflowId: string;
      readonly cluster?: string;
      /** --reason: why, kept with the request and in the workflow's error. */
      readonly reason?: string;
      readonly connection: Connection;
    }
  | {
      readonly kind: "workflow-describe";
      readonly workflowId: string;
      readonly cluster?: string;
      readonly connection: Connection;
    }
  | {
      readonly kind: "workflow-list";
      readonly filter: ListFilter;
      readonly connection: Connection;
    }
  | { readonly kind: "cluster-status"; readonly connection: Connection }
  | {
      readonly kind: "cluster-recover";
      /** Group ids (0: the management group); absent: every group that lost its leader. */
      readonly groupIds?: readonly number[];
      readonly force: boolean;
      readonly connection: Connection;
    }
  | {
      readonly kind: "cluster-retention";
      /** The fields to change; none: only show the setting. */
      readonly change: RetentionRequest;
      readonly connection: Connection;
    }
  | { readonly kind: "node-leave"; readonly connection: Connection }
  | { readonly kind: "node-health"; readonly connection: Connection };
