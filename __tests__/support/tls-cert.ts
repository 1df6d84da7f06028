import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throw-away self-signed certificate for 127.0.0.1 / localhost, on disk and in memory. */
export interface TestCertificate {
  /** Folder holding the files; removed by {@link TestCertificate.remove}. */
  readonly dir: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** PEM text of the certificate: what a client must trust. */
  readonly certPem: string;
  readonly keyPem: string;
  remove(): void;
}

/**
 * Generates a self-signed certificate with the `openssl` CLI (valid one day, SAN IP:127.0.0.1 and
 * DNS:localhost). Node cannot self-sign with its own crypto module, and a certificate committed to
 * the repository would expire or be mistaken for a real one.
 */
export function createTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "verify-tls-"));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  const configPath = join(dir, "openssl.cnf");
  writeFileSync(
    configPath,
    [
      "[req]",
      "distinguished_name = dn",
      "x509_extensions = ext",
      "prompt = no",
      "[dn]",
      "CN = 127.0.0.1",
      "[ext]",
      "subjectAltName = IP:127.0.0.1,DNS:localhost",
      "basicConstraints = critical,CA:TRUE",
      "keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign",
      "extendedKeyUsage = serverAuth",
      "",
    ].join("\n"),
  );
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "1", "-keyout", keyPath, "-out", certPath, "-config", configPath],
      { stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`openssl could not create the test certificate (is the openssl CLI installed?): ${String(error)}`);
  }
  return {
    dir,
    certPath,
    keyPath,
    certPem: readFileSync(certPath, "utf8"),
    keyPem: readFileSync(keyPath, "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
