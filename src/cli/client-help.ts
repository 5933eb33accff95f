// The help texts of the client subcommands (`raftoral workflow run --help`, ...). Written by
// hand so they can explain: what the command does, every option, its output and exit codes.

const CONNECTION_OPTIONS = `Connection options:
  -a, --address <ADDRESS>
          Node to call, as host:port (default: $RAFTORAL_ADDRESS, else 127.0.0.1:7001).
          A grpc://, grpcs://, http:// or https:// prefix picks the protocol and TLS.
          Several nodes, comma-separated, are tried in turn when one is unavailable
          (not by node leave, node health or cluster recover, which act on the first).

  -t, --transport <PROTOCOL>
          grpc or http (default: grpc), for addresses without a prefix. It must be the
          protocol the cluster speaks; the error says so when it is not.

      --timeout <SECONDS>
          Give up after this many seconds, however many of the addresses were tried
          (default: 10 per call; 30 for a wait and for a recover; 90 for a leave, which
          the node itself ends after about 60). A node that does not answer takes the
          time it is given; over gRPC one that stops answering mid-call is given up
          after 5 s. A call safe to repeat that nodes answer they cannot serve yet (a
          restart) is asked again every 200 ms within this time. A node
          waits for a workflow in whole seconds, so a wait's fraction is rounded up,
          and its answer is given 5 s more to arrive.

      --tls-ca <FILE>
          PEM CA certificates that signed the nodes' certificates. With it (or
          --tls-cert), addresses without a prefix use TLS.

      --tls-cert <FILE>, --tls-key <FILE>
          Client certificate and key, for nodes that require one (mutual TLS). The key
          file must be readable by you only (chmod 600).

      --token-file <PATH>
          File holding the token the nodes require (their client or admin token), sent
          as 'Authorization: Bearer <token>'. Or set RAFTORAL_TOKEN.

      --json
          Print JSON (the HTTP API's field names) instead of text, for scripts.

  -h, --help
          Print this help.`;

const EXIT_CODES = `Exit codes:
  0  success
  1  the workflow failed, or the node refused or could not finish the operation
     (also when every node answered that it cannot serve it now, e.g. no leader)
  2  usage error: a bad option or value (refused by the CLI or by the node), or
     the node speaks the other protocol
  3  no node could be reached: none answered`;

export const WORKFLOW_RUN_HELP = `raftoral workflow run - start a workflow

Usage: raftoral workflow run <NAME> [--input <JSON>] [--version <N>] [--workflow-id <ID>]
                             [--wait] [OPTIONS]

Starts workflow NAME on the cluster and prints its workflow ID and execution cluster ID,
which \`raftoral workflow wait\` takes. With --wait, also waits for it to finish and prints
its result. Without --workflow-id a start goes to the next address only while none could be
connected to or did anything for it (a node still starting refuses it first and says so; it
is then asked again until --timeout), and is never repeated once a node may have taken it: a
start whose answer was lost may still have started the workflow. With --workflow-id it is
safe to repeat: the next
address is tried when a node does not answer, and a node not ready yet (a restart) is asked
again until --timeout.

Workflow options:
  -i, --input <JSON>
          The input as JSON text (default: null). A string needs its quotes:
          --input '"ping"'. @FILE reads it from a file, @- from standard input
          (for more than the 128 KiB a shell passes in one argument).

      --version <N>
          Workflow version (default: 1).

      --cluster <ID>
          Run it in this execution cluster (default: the least loaded one).

      --workflow-id <ID>
          Your id for the workflow: 1 to 128 letters, digits and . _ : @ -, starting
          with a letter or digit. Running the same id again gives the same workflow
          (it never runs twice) and says it was started before; with another name,
          version or input it fails with ALREADY_EXISTS. Default: the node makes up a
          UUID.

      --wait
          Wait for the workflow to finish and print its result (up to --timeout,
          default 30 seconds). Exit code 1 when the workflow failed.

${CONNECTION_OPTIONS}

${EXIT_CODES}

Examples:
  raftoral workflow run ping_pong --input '"ping"' --wait
  raftoral workflow run ping_pong --input '"ping"' --address 127.0.0.1:7002 --json
  raftoral workflow run ping_pong --input '"ping"' --address http://127.0.0.1:8001 --wait
  raftoral workflow run ping_pong --input '"ping"' --workflow-id ping-2026-12-02 --wait
`;

export const WORKFLOW_WAIT_HELP = `raftoral workflow wait - wait for a workflow's result

Usage: raftoral workflow wait <WORKFLOW_ID> [--cluster <ID>] [OPTIONS]

Waits until the workflow has finished and prints its result (or its error). Any node
can answer; when one is unavailable the next address is tried.

Workflow options:
      --cluster <ID>
          The execution cluster ID that \`workflow run\` printed. Without it the node
          asks every execution cluster, which costs a little more.

${CONNECTION_OPTIONS}

${EXIT_CODES}

Example:
  raftoral workflow wait 550e8400-e29b-41d4-a716-446655440000 --cluster 1 --timeout 60
  raftoral workflow wait ping-2026-12-02
`;

export const WORKFLOW_DESCRIBE_HELP = `raftoral workflow describe - show a workflow's status and record

Usage: raftoral workflow describe <WORKFLOW_ID> [--cluster <ID>] [OPTIONS]

Prints the workflow's status (running, sleeping, waiting for an event, completed, failed,
cancelled, terminated), its name and version, input, owner, start and end times, its
result or error, how many events sent to it it has not taken yet, and every call it
recorded (checkpoints, steps, sleeps, event waits) with its time. Any node can answer.
--json prints the fields of GET /workflow/describe.

Workflow options:
      --cluster <ID>
          The workflow's execution cluster ID; without it the node finds it.

${CONNECTION_OPTIONS}

${EXIT_CODES}

Example:
  raftoral workflow describe order-1 --json
`;

export const WORKFLOW_LIST_HELP = `raftoral workflow list - list workflows, newest first

Usage: raftoral workflow list [--status <STATUS>]... [--name <NAME>]
                              [--since <DURATION> | --after <MS>] [--before <MS>]
                              [--limit <N>] [--page-token <TOKEN>] [--cluster <ID>] [OPTIONS]

Lists the workflows of every execution cluster, newest first (by start time, then by
workflow ID), one page at a time: ID, name and version, status, execution cluster, owner
node, start and end times. Finished workflows are listed while they are retained. When
more match, the last line gives the --page-token for the next page; workflows started
meanwhile do not shift the pages. An execution cluster that cannot answer is named on
stderr and the exit code is 1: its workflows are missing from the page. --json prints the
fields of GET /workflow/list.

List options:
  -s, --status <STATUS>
          Only workflows in this status: running, sleeping, waiting, completed, failed,
          cancelled or terminated. Repeat it, or give a comma list, for several.

  -n, --name <NAME>
          Only workflows of this name (exact).

      --since <DURATION>
          Only workflows started within this long, e.g. 90s, 15m, 2h, 7d.

      --after <MS>
          Only workflows started at or after this time, in epoch milliseconds.

      --before <MS>
          Only workflows started before this time, in epoch milliseconds.

  -l, --limit <N>
          Workflows per page, 1 to 1000 (default: 50).

      --page-token <TOKEN>
          The next page: the token the previous page printed.

      --cluster <ID>
          Only this execution cluster.

${CONNECTION_OPTIONS}

${EXIT_CODES}

Examples:
  raftoral workflow list --status running --status waiting
  raftoral workflow list --name ping_pong --since 1h --limit 20 --json
`;

export const WORKFLOW_SIGNAL_HELP = `raftoral workflow signal - send an event to a running workflow

Usage: raftoral workflow signal <WORKFLOW_ID> <NAME> [--payload <JSON>] [--event-id <ID>]
                                [--cluster <ID>] [OPTIONS]

Sends event NAME to the workflow, for its ctx.waitForEvent(NAME). Events are delivered once
each, in the order the cluster recorded them; one sent before the workflow waits is kept
until it does. A workflow that is not known is an error (NOT_FOUND), and so is one that
finished (FAILED_PRECONDITION). Without --event-id the event goes to the next address only
while none could be connected to or did anything for it (a node still starting says so), and
is never repeated once a node may have taken it; with it, a repeat is delivered once, so the
next address is tried when a node does not answer.

Workflow options:
  -p, --payload <JSON>
          The event's payload as JSON text (default: null). A string needs its quotes.
          @FILE reads it from a file, @- from standard input.

      --event-id <ID>
          Your id for the event (letters, digits and . _ : @ -, at most 128).

      --cluster <ID>
          The workflow's execution cluster ID; without it the node finds it.

${CONNECTION_OPTIONS}

${EXIT_CODES}

Example:
  raftoral workflow signal order-1 paid --payload '{"amount": 12}' --event-id payment-77
`;

export const WORKFLOW_CANCEL_HELP = `raftoral workflow cancel - ask a running workflow to stop

Usage: raftoral workflow cancel <WORKFLOW_ID> [--reason <TEXT>] [--cluster <ID>] [OPTIONS]

Records a cancel request for the workflow. Its code sees a CancelledError at its next ctx
call (a sleep or an event wait is woken at once for it) and may catch it to clean up; if
the error ends the workflow, its status becomes cancelled and a wait gets a failure with
code CANCELLED. A step already running finishes first. Cancelling again is harmless (the
answer says "already"); a workflow that finished before any cancel is an error
(FAILED_PRECONDITION), and so is one that is not known (NOT_FOUND). Prints the workflow's
status once the request is recorded (running until its code ends).

Workflow options:
      --reason <TEXT>
          Why (at most 1024 characters); kept with the request and in the error message.

      --cluster <ID>
          The workflow's execution cluster ID; without it the node finds it.

${CONNECTION_OPTIONS}

${EXIT_CODES}

Example:
  raftoral workflow cancel order-1 --reason "the customer withdrew"
  raftoral workflow wait order-1     # exits 1: workflow cancelled (CANCELLED)
`;

export const WORKFLOW_TERMINATE_HELP = `raftoral workflow terminate - end a running workflow at once

Usage: raftoral workflow terminate <WORKFLOW_ID> [--reason <TEXT>] [--cluster <ID>] [OPTIONS]

Ends the workflow now, whatever its code is doing: its status becomes terminated, a wait
gets a failure with code TERMINATED, and nothing its code does afterwards is recorded (a
step body already running may still finish its side effect). No clean-up runs; use
\`workflow cancel\` to let the workflow clean up. Terminating again is harmless; a workflow
that finished otherwise is an error (FAILED_PRECONDITION), and so is one that is not known
(NOT_FOUND).

Workflow options:
      --reason <TEXT>
          Why (at most 1024 characters); kept in the workflow's error message.

      --cluster <ID>
          The workflow's execution cluster ID; without it the node finds it.

${CONNECTION_OPTIONS}

${EXIT_CODES}

Example:
  raftoral workflow terminate order-1 --reason "stuck on a dead service" --json
`;

export const WORKFLOW_HELP = `raftoral workflow - run workflows and wait for their results

Usage: raftoral workflow <COMMAND> [OPTIONS]

Commands:
  run <NAME>          Start a workflow (and, with --wait, wait for its result)
  wait <WORKFLOW_ID>  Wait for a workflow's result
  describe <WORKFLOW_ID>
                      Show a workflow's status, input, owner, times and recorded calls
  list                List workflows, newest first, filtered by status, name and time
  signal <WORKFLOW_ID> <NAME>
                      Send an event to a running workflow
  cancel <WORKFLOW_ID>
                      Ask a running workflow to stop (it may clean up)
  terminate <WORKFLOW_ID>
                      End a running workflow at once

Run \`raftoral workflow <COMMAND> --help\` for a command's options.
`;

export const CLUSTER_STATUS_HELP = `raftoral cluster status - show the cluster

Usage: raftoral cluster status [OPTIONS]

Prints the cluster as the node sees it: how many node failures the cluster survives right
now, every node with its address and its role in the management group (voter, learner or
joining; which one leads), and every execution cluster with its members, its voters and
learners, its leader (as last reported, or how long it has had none), the failures it
survives, the workflows running in it, and whether it is draining.

${CONNECTION_OPTIONS}

${EXIT_CODES}

Example:
  raftoral cluster status --address 127.0.0.1:7001
`;

export const CLUSTER_RECOVER_HELP = `raftoral cluster recover - bring back groups that lost their majority

Usage: raftoral cluster recover [--cluster <ID>,...] [--force] [OPTIONS]

For when voters of a group are gone for good (machines lost with their disks) and the rest
cannot elect a leader. Asks the node at --address (only the first one given), one of the
survivors, to continue each group it hosts that has had no leader for a few seconds as
that group's only voter; the cluster then adds the other nodes back (a learner of an
execution group whose copy holds entries the survivor lacks gets an empty copy instead).

WARNING: the node keeps its own log and commits all of it. Entries that only the dropped
voters held are lost, even if a client was told they were committed. Run it only when those
voters cannot come back; if they can, bring them back instead. Pick the survivor with the
longest log (the dry run shows it). A node that left the cluster, or knows the cluster
removed it, refuses; so does a group whose replica there never joined its configuration.

Without --force it only prints what it would do (a dry run).

Recover options:
      --cluster <ID>,...
          Only these groups: execution cluster ids, and 0 for the management group.
          Default: every group on that node that has lost its leader.
      --force
          Do it.

${CONNECTION_OPTIONS}

${EXIT_CODES}

Examples:
  raftoral cluster recover --address 127.0.0.1:7003
  raftoral cluster recover --address 127.0.0.1:7003 --force
`;

export const CLUSTER_RETENTION_HELP = `raftoral cluster retention - how long finished workflows are kept

Usage: raftoral cluster retention [--count <N>] [--for <DURATION>] [--at-least <DURATION>]
                                  [OPTIONS]

Without options, shows the cluster's retention of finished workflows. With options, changes
what they name (the rest stays) for the whole cluster: the setting is committed in the
management group, and every execution cluster, also ones created later, applies it from
its own log within moments, identically on every member. A result that is dropped can no
longer be waited for or described: those calls answer NOT_FOUND saying it was evicted, and
starting its workflow_id again is refused (ALREADY_EXISTS), for as long as the execution
cluster remembers the id (its last 10,000 evictions).

Retention options:
      --count <N>
          Finished workflows kept per execution cluster (1 to 10000000); past it the
          oldest finished go first. Default for a new cluster: 10000.
      --for <DURATION>
          Drop a finished workflow this long after it finished, whatever the count; 'none'
          or 0 for no time limit (the default).
      --at-least <DURATION>
          The floor: a result younger than this is never dropped for the count, so a
          burst of starts cannot evict a result moments after it was produced. While such
          results alone exceed the count, new starts are refused (RESOURCE_EXHAUSTED)
          until the oldest is old enough. 0 for no floor. Default for a new cluster: 1m.

  A DURATION is a number with a unit: 250ms, 90s, 15m, 1h, 7d (a bare number is seconds).
  --at-least may not be longer than --for.

${CONNECTION_OPTIONS}

${EXIT_CODES}

Examples:
  raftoral cluster retention
  raftoral cluster retention --count 50000 --at-least 15m
  raftoral cluster retention --for 7d --json
`;

export const CLUSTER_HELP = `raftoral cluster - look at the cluster

Usage: raftoral cluster <COMMAND> [OPTIONS]

Commands:
  status    Nodes, management roles, execution clusters with members and leaders
  recover   Bring back groups that lost their majority for good (operator only)
  retention Show or change how many finished workflows are kept, and how long

Run \`raftoral cluster <COMMAND> --help\` for a command's options.
`;

export const NODE_LEAVE_HELP = `raftoral node leave - remove a node from the cluster for good

Usage: raftoral node leave [OPTIONS]

Asks the node at --address (only the first one given; never another) to leave the cluster.
While voters of its groups do not answer, so that the others that answer are no majority
of those groups' voters without it, or where it is a group's only voter no learner answers
to take its place, the leave is refused with nothing changed (exit code 1). It is removed
from the management group and from its execution clusters, its workflows move to the
remaining members, and once every group it was in has committed a configuration without it
(up to about a minute under faults) its process exits with code 0. Its storage directory
then refuses to start (exit code 78); to bring the machine back as a node, start it with
--peers and an empty --storage-path: it joins as a new node. The last node of a cluster
cannot leave; stop it instead.

${CONNECTION_OPTIONS}

${EXIT_CODES}

Example:
  raftoral node leave --address 127.0.0.1:7003
`;

export const NODE_HEALTH_HELP = `raftoral node health - is a node up?

Usage: raftoral node health [OPTIONS]

Asks the node at --address for its health (only the first address given; never
another, so that a check never passes because some other node is up). Exit code 0 when
it is ready to serve, 1 when it is starting, unavailable or stopping, 3 when it does not
answer: suitable for container health checks.

${CONNECTION_OPTIONS}

${EXIT_CODES}

Example:
  raftoral node health --address 127.0.0.1:7001
`;

export const NODE_HELP = `raftoral node - operate on one node

Usage: raftoral node <COMMAND> [OPTIONS]

Commands:
  leave    Remove the node from the cluster; its process then exits
  health   Check that the node is up

Run \`raftoral node <COMMAND> --help\` for a command's options.
`;
