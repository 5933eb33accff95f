// The text of `raftoral --help`. Written by hand so it can explain, not just list.

export const SERVER_HELP = `raftoral - fault-tolerant workflow engine replicated with Raft

Usage: raftoral [OPTIONS] --listen <ADDRESS>
       raftoral <COMMAND> [ARGUMENTS] [OPTIONS]

Start the first node of a new cluster with --bootstrap; start every other node with
--peers pointing at one or more running nodes.

Commands (they call a running node; \`raftoral <COMMAND> --help\` tells more):
  workflow run <NAME>          Start a workflow; with --wait, print its result
  workflow wait <WORKFLOW_ID>  Wait for a workflow's result
  cluster status               Nodes, management roles, execution clusters and leaders
  node leave                   Remove a node from the cluster; its process then exits
  node health                  Check that a node is up
  Exit codes: 0 success, 1 failed, 2 usage error, 3 no node reachable.

Options:
  -l, --listen <ADDRESS>
          Address to listen on, as host:port (e.g. 127.0.0.1:7001). Required.

  -a, --advertise <ADDRESS>
          Address other nodes use to reach this one. Defaults to the listen address;
          set it when listening on 0.0.0.0, behind NAT or in Docker.

  -n, --node-id <NODE_ID>
          Node id (a positive integer). Optional: a bootstrap node takes 1 and a joining
          node gets a fresh id from the cluster.

  -p, --peers <PEERS>
          Comma-separated addresses of running nodes to join through,
          e.g. 192.168.1.10:7001,192.168.1.11:7001

  -b, --bootstrap
          Create a new cluster with this node as its first member. Use it on one node only.

  -s, --storage-path <PATH>
          Keep this node's data in PATH/node_<id>/ so it survives restarts. Without it,
          data lives in memory and is lost when the process exits.

  -t, --transport <PROTOCOL>
          grpc or http (default: grpc). Every node of a cluster uses the same one; a
          joining node follows the cluster's.

  -w, --workflows <PATH>
          A TypeScript or JavaScript module whose exported defineWorkflow(...) results this
          node runs besides the built-in ping_pong. Every node of a cluster loads the same set.

  -h, --help
          Print this help.

  -V, --version
          Print the version.

Environment:
  RAFTORAL_LOG          Log level: trace, debug, info, warn, error (default: info).
                        RUST_LOG is read too when RAFTORAL_LOG is not set.
  RAFTORAL_LOG_FORMAT   text (default) or json.

Examples:
  raftoral --listen 127.0.0.1:7001 --bootstrap --storage-path ./data
  raftoral --listen 127.0.0.1:7002 --peers 127.0.0.1:7001 --storage-path ./data
  raftoral --transport http --listen 127.0.0.1:7001 --bootstrap
  raftoral workflow run ping_pong --input '"ping"' --wait --address 127.0.0.1:7001
`;
