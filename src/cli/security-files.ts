// Reads the secrets and certificates the command line names: the cluster secret, the tokens,
// TLS certificates and keys. A file holding a secret or a private key must not be readable by
// group or others (the error says `chmod 600`); secrets never come from argv, and no message
// here ever shows what a file holds.

import { readFileSync, statSync } from "node:fs";
import { isKeyOfCertificate } from "../client/index-core.ts";
import { RaftoralError } from "../lib/index.ts";
import { whyUnreadable } from "./file-errors.ts";

/** A secret, token or certificate file that cannot be used; the message names file and fix. */
export class SecurityFileError extends RaftoralError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("INVALID_ARGUMENT", message, options);
    this.name = "SecurityFileError";
    this.path = path;
  }
}

/** Shorter secrets and tokens are refused: they could be guessed. */
export const SECRET_LENGTH_MIN = 16;

const TOKEN_TEXT = /^[\x21-\x7e]+$/;
const GENERATE = "e.g. openssl rand -hex 32";

/**
 * The secret or token in `path` (`option` names the flag in messages), without its trailing
 * line break. Refused: a file group or others may read, fewer than SECRET_LENGTH_MIN
 * characters, or anything but printable ASCII without spaces (it travels in a header).
 */
export function readSecretFile(path: string, option: string): string {
  checkPrivate(path, option);
  const text = readText(path, option).replace(/\r?\n$/, "");
  return checkSecret(text, `${option} ${path}`, path);
}

/** A secret given in the environment variable `name`, checked like a file's. */
export function checkSecretFromEnv(value: string, name: string): string {
  return checkSecret(value.replace(/\r?\n$/, ""), `the environment variable ${name}`, name);
}

/** A PEM certificate (chain) or CA bundle. Certificates are public: any mode is fine. */
export function readCertificateFile(path: string, option: string): string {
  const text = readText(path, option);
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new SecurityFileError(
      path,
      `${option} ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the certificate file, not the key or a DER file`,
    );
  }
  return text;
}

/** A PEM private key; refused when group or others may read it. */
export function readPrivateKeyFile(path: string, option: string): string {
  checkPrivate(path, option);
  const text = readText(path, option);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new SecurityFileError(
      path,
      `${option} ${path} holds no PEM private key (-----BEGIN PRIVATE KEY-----); give the key, not the certificate`,
    );
  }
  return text;
}

/**
 * --tls-cert and --tls-key, read and checked to be a pair: a key of another certificate
 * would otherwise surface only as a TLS library error at the first connection.
 */
export function readCertificateAndKey(
  certPath: string,
  keyPath: string,
): { readonly cert: string; readonly key: string } {
  const cert = readCertificateFile(certPath, "--tls-cert");
  const key = readPrivateKeyFile(keyPath, "--tls-key");
  let isPair: boolean;
  try {
    isPair = isKeyOfCertificate(cert, key);
  } catch (error) {
    // Converted: a file that looks like PEM but does not parse is a bad option, not a bug.
    throw new SecurityFileError(
      certPath,
      `--tls-cert ${certPath} or --tls-key ${keyPath} does not parse (${(error as Error).message}); give PEM files made by openssl or your CA`,
    );
  }
  if (!isPair) {
    throw new SecurityFileError(
      keyPath,
      `--tls-key ${keyPath} is not the key of --tls-cert ${certPath}; give the key the certificate was made for`,
    );
  }
  return { cert, key };
}

function checkSecret(text: string, where: string, path: string): string {
  if (text.length < SECRET_LENGTH_MIN) {
    throw new SecurityFileError(
      path,
      `${where} holds ${text.length} characters; use at least ${SECRET_LENGTH_MIN} (${GENERATE})`,
    );
  }
  if (!TOKEN_TEXT.test(text)) {
    throw new SecurityFileError(
      path,
      `${where} must be one line of printable ASCII without spaces (${GENERATE})`,
    );
  }
  return text;
}

function checkPrivate(path: string, option: string): void {
  let mode: number;
  let isFile: boolean;
  try {
    const stats = statSync(path);
    mode = stats.mode;
    isFile = stats.isFile();
  } catch (error) {
    throw unreadable(path, option, error);
  }
  if (!isFile) throw new SecurityFileError(path, `${option} ${path} is not a file`);
  if ((mode & 0o077) !== 0) {
    const shown = (mode & 0o777).toString(8).padStart(4, "0");
    throw new SecurityFileError(
      path,
      `${option} ${path} can be read or written by group or others (mode ${shown}); it holds a secret: ` +
        `run chmod 600 ${path}`,
    );
  }
}

function readText(path: string, option: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw unreadable(path, option, error);
  }
}

function unreadable(path: string, option: string, error: unknown): SecurityFileError {
  const why = whyUnreadable(error);
  return new SecurityFileError(path, `cannot read ${option} ${path}: ${why}`, { cause: error });
}
