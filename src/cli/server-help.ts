// The text of `raftoral --help`. Written by hand so it can explain, not just list.

export const SERVER_HELP = `raftoral - fault-tolerant workflow engine replicated with Raft

Usage: raftoral [OPTIONS] --listen <ADDRESS>
       raftoral <COMMAND> [ARGUMENTS] [OPTIONS]

Start the first node of a new cluster with --bootstrap; start every other node with
--peers pointing at one or more running nodes.

Commands (they call a running node; \`raftoral <COMMAND> --help\` tells more):
  workflow run <NAME>          Start a workflow; with --wait, print its result
  workflow wait <WORKFLOW_ID>  Wait for a workflow's result
  workflow describe <ID>       A workflow's status, input, owner, times and recorded calls
  workflow list                Workflows newest first, by status, name and start time
  workflow signal <ID> <NAME>  Send an event to a running workflow
  workflow cancel <ID>         Ask a running workflow to stop (it may clean up)
  workflow terminate <ID>      End a running workflow at once
  cluster status               Nodes, management roles, execution clusters and leaders
  cluster recover              Bring back groups that lost their majority (operator only)
  cluster retention            Show or change how many finished workflows are kept
  node leave                   Remove a node from the cluster; its process then exits
  node health                  Check that a node is up
  Exit codes: 0 success, 1 failed, 2 usage error, 3 no node reachable.

Options:
  -l, --listen <ADDRESS>
          Address to listen on, as host:port (e.g. 127.0.0.1:7001). Required.

  -a, --advertise <ADDRESS>
          Address other nodes use to reach this one. Defaults to the listen address;
          set it behind NAT or in Docker. Required when listening on 0.0.0.0 or [::].

  -n, --node-id <NODE_ID>
          Node id (a positive integer). Optional: a bootstrap node takes 1 and a joining
          node gets a fresh id from the cluster. Never the id of a node whose storage was
          lost: a group that still counts it as a voter refuses the join.

  -p, --peers <PEERS>
          Comma-separated addresses of running nodes to join through,
          e.g. 192.168.1.10:7001,192.168.1.11:7001

  -b, --bootstrap
          Create a new cluster with this node as its first member. With --peers (all of
          the cluster's other nodes), only if none of them belongs to a cluster yet;
          otherwise join it as a new node, so that a first node that comes back with an
          empty disk does not found a second cluster. Nodes started together, each with
          --bootstrap and --peers naming all the others, settle which one founds it.

  -s, --storage-path <PATH>
          Keep this node's data in PATH/node_<id>/ so it survives restarts; give each node
          of a host its own PATH. Without it, data lives in memory and is lost when the
          process exits.

  -t, --transport <PROTOCOL>
          grpc or http (default: grpc). Every node of a cluster uses the same one; a
          joining node follows the cluster's.

  -w, --workflows <PATH>
          A TypeScript or JavaScript module whose exported defineWorkflow(...) results this
          node runs besides the built-in ping_pong. Every node of a cluster loads the same set.

      --http-listen <ADDRESS>
          Also serve the HTTP API on ADDRESS (host:port) for people and tools: workflow
          and cluster calls, GET /metrics, GET /health and the web console at /ui.
          Useful above all for a gRPC cluster. Nodes never talk to each other there. Same
          TLS and tokens as --listen.

      --cors-origin <ORIGINS>
          Let web pages from these origins call the HTTP API from a browser: a comma list
          such as https://app.example.com,http://localhost:3000, or * for any. Off by
          default: a page of another origin than the node's own (its console) is refused.
          Tokens are still needed where they are configured.

Retention options (the setting a new cluster starts with, so only with --bootstrap; it
is the same for every node, and \`raftoral cluster retention\` changes it later):
      --retain-finished <COUNT>
          Finished workflows kept per execution cluster (default: 10000); past it, the
          oldest finished are dropped.

      --retain-for <DURATION>
          Drop a finished workflow this long after it finished, whatever the count
          (e.g. 7d; default: none, no time limit).

      --retain-at-least <DURATION>
          The floor (default: 1m): a result younger than this is never dropped for the
          count, so a burst of starts cannot evict it moments after it was produced.
          While such results alone exceed the count, new starts are refused
          (RESOURCE_EXHAUSTED). 0 for no floor.

  -h, --help
          Print this help.

  -V, --version
          Print the version.

Security options (docs/security.md). Secrets come from files or the environment, never
from the command line; a file holding a secret or a key must be readable by its owner only
(chmod 600):
      --tls-cert <FILE>
          PEM certificate (chain) of this node: serve gRPC over TLS (grpcs://) or HTTP over
          HTTPS (https://), and dial the other nodes with TLS. Needs --tls-key.

      --tls-key <FILE>
          PEM private key of --tls-cert.

      --tls-ca <FILE>
          PEM CA certificates the other nodes' certificates must chain to (default: the
          system's trusted CAs). Every node of a TLS cluster uses TLS.

      --tls-client-auth
          Mutual TLS: every caller, client or node, must show a certificate signed by
          --tls-ca. Nodes show their own --tls-cert.

      --cluster-secret-file <PATH>
          A secret shared by the nodes (one line, at least 16 characters; e.g. openssl rand
          -hex 32). Every call between nodes carries an HMAC proof of it; a call without a
          valid proof is refused (UNAUTHENTICATED). Or set RAFTORAL_CLUSTER_SECRET.

      --client-token-file <PATH>
          Workflow calls and discovery need 'Authorization: Bearer <token>' with this token
          (clients: --token-file). Health needs no token. Needs the cluster secret.

      --admin-token-file <PATH>
          Cluster status, leave, recover and retention need this token instead (the client token
          gets PERMISSION_DENIED). Without it, they take the client token.

Environment:
  RAFTORAL_LOG          Log level: trace, debug, info, warn, error (default: info).
                        RUST_LOG is read too when RAFTORAL_LOG is not set. trace adds a
                        line per stage of every workflow, timed to the microsecond.
  RAFTORAL_LOG_FORMAT   text (default) or json.
  RAFTORAL_CLUSTER_SECRET
                        The cluster secret, instead of --cluster-secret-file.
  BUN_JSC_useFTLJIT     Unset, the node replaces itself at start with a copy that has it set
                        to 0: the engine's top JIT tier off, for less CPU per workflow. Set
                        (1 keeps that tier), the node starts once and runs as told.

Exit codes of a node: 0 after SIGTERM, SIGINT or a leave; 1 when it could not start;
2 for a usage error; 65 when its stored data is damaged (a checksum or SQLite's checks
failed; restarting does not help); 70 after a bug (see the log); 74 when its storage failed
(disk full, I/O error, read-only); 78 when its storage directory is an old copy, a voter a
forced recovery left behind, or a node that left the cluster (see docs/storage.md and
docs/availability.md; restarting does not help).

Examples:
  raftoral --listen 127.0.0.1:7001 --bootstrap --storage-path ./data1
  raftoral --listen 127.0.0.1:7002 --peers 127.0.0.1:7001 --storage-path ./data2
  raftoral --transport http --listen 127.0.0.1:7001 --bootstrap
  raftoral workflow run ping_pong --input '"ping"' --wait --address 127.0.0.1:7001
  raftoral --listen 10.0.1.10:7001 --bootstrap --storage-path ./data \\
      --tls-cert node.pem --tls-key node.key --tls-ca ca.pem \\
      --cluster-secret-file cluster.secret --client-token-file client.token
`;
