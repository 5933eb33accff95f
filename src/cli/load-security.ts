// Turns the security options of the command line (file paths) and the environment into the
// values the node and the client take: PEM text, the cluster secret, tokens. Every file goes
// through security-files.ts; a secret may also come from the environment, never from argv.

import type { ClientTls } from "../client/index.ts";
import { certificateProblems } from "../client/index-core.ts";
import type { NodeSecurity } from "../node/index.ts";
import {
  checkSecretFromEnv,
  readCertificateAndKey,
  readCertificateFile,
  readSecretFile,
  SecurityFileError,
} from "./security-files.ts";
import type { SecurityPaths } from "./server-args.ts";

/** The environment variable that may hold the cluster secret instead of a file. */
export const CLUSTER_SECRET_ENV = "RAFTORAL_CLUSTER_SECRET";
/** The environment variable that may hold a client's token instead of --token-file. */
export const TOKEN_ENV = "RAFTORAL_TOKEN";

export type Environment = Readonly<Record<string, string | undefined>>;

/** A node's security settings; throws SecurityFileError naming the file and the fix. */
export function loadNodeSecurity(paths: SecurityPaths, env: Environment): NodeSecurity {
  const clusterSecret = secretFrom(
    paths.clusterSecretFile,
    "--cluster-secret-file",
    env,
    CLUSTER_SECRET_ENV,
  );
  const clientToken = optionalSecret(paths.clientTokenFile, "--client-token-file");
  const adminToken = optionalSecret(paths.adminTokenFile, "--admin-token-file");
  if (clusterSecret === undefined && (clientToken ?? adminToken) !== undefined) {
    throw new SecurityFileError(
      paths.clientTokenFile ?? paths.adminTokenFile ?? "",
      `--client-token-file and --admin-token-file need a cluster secret too (--cluster-secret-file or ${CLUSTER_SECRET_ENV}): nodes forward workflow calls to each other and prove themselves with the secret`,
    );
  }
  if (clientToken !== undefined && adminToken !== undefined && clientToken === adminToken) {
    throw new SecurityFileError(
      paths.adminTokenFile ?? "",
      "--admin-token-file holds the same token as --client-token-file; an admin token must differ, or it protects nothing",
    );
  }
  return {
    ...(paths.tlsCert === undefined || paths.tlsKey === undefined
      ? {}
      : {
          tls: {
            ...readCertificateAndKey(paths.tlsCert, paths.tlsKey),
            ...(paths.tlsCa === undefined
              ? {}
              : { ca: readCertificateFile(paths.tlsCa, "--tls-ca") }),
            isClientCertRequired: paths.isClientAuth,
          },
        }),
    ...(clusterSecret === undefined ? {} : { clusterSecret }),
    ...(clientToken === undefined ? {} : { clientToken }),
    ...(adminToken === undefined ? {} : { adminToken }),
  };
}

/** What a client command names: the TLS files and the token file. */
export interface ClientSecurityPaths {
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tokenFile?: string;
}

/** A client's TLS settings (absent: none given) and token (--token-file or RAFTORAL_TOKEN). */
export function loadClientSecurity(
  paths: ClientSecurityPaths,
  env: Environment,
  nowMs = Date.now(),
): { tls?: ClientTls; token?: string } {
  const token = secretFrom(paths.tokenFile, "--token-file", env, TOKEN_ENV);
  const hasTls = [paths.tlsCa, paths.tlsCert, paths.tlsKey].some((path) => path !== undefined);
  const tls: ClientTls = {
    ...(paths.tlsCa === undefined ? {} : { ca: readCertificateFile(paths.tlsCa, "--tls-ca") }),
    // The options refuse one without the other.
    ...(paths.tlsCert === undefined || paths.tlsKey === undefined
      ? {}
      : readCertificateAndKey(paths.tlsCert, paths.tlsKey)),
  };
  // Refused here, where the node would refuse it at every call with a hint of its own.
  const problems = tls.cert === undefined ? [] : certificateProblems(tls.cert, nowMs);
  if (problems.length > 0) {
    throw new SecurityFileError(
      paths.tlsCert ?? "",
      `--tls-cert ${paths.tlsCert} cannot be used: ${problems.join("; ")}; give a client certificate the nodes' CA signed that is valid now`,
    );
  }
  return { ...(hasTls ? { tls } : {}), ...(token === undefined ? {} : { token }) };
}

function optionalSecret(path: string | undefined, option: string): string | undefined {
  return path === undefined ? undefined : readSecretFile(path, option);
}

/** The secret from its file option or its environment variable; both at once is refused. */
function secretFrom(
  path: string | undefined,
  option: string,
  env: Environment,
  variable: string,
): string | undefined {
  const fromEnv = env[variable];
  if (path !== undefined && fromEnv !== undefined && fromEnv !== "") {
    throw new SecurityFileError(
      path,
      `both ${option} and ${variable} are set; give the secret once (unset ${variable}, or drop ${option})`,
    );
  }
  if (path !== undefined) return readSecretFile(path, option);
  return fromEnv === undefined || fromEnv === ""
    ? undefined
    : checkSecretFromEnv(fromEnv, variable);
}
