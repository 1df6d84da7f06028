/**
 * What the verify suites share: the cast (a tenant, applications with secrets), and a harness
 * over the running fakes that runs verify as a function and as the command line, and records
 * everything verify printed or returned, for each suite's closing secret assertion.
 *
 * Each suite starts its own fakes (jest runs suites in separate workers, so they run in parallel):
 * verify.test.ts Azurite and the storage fakes; verify-echo.test.ts the servers that quote the
 * secret back; drift.test.ts fakes of Resource Manager and Graph.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MACHINE_READ_ALL } from "../../lib/constants";
import { CheckResult, verifyIntegration, VerifyInputs, VerifyOptions } from "../../lib/cli/checks";
import type { Io } from "../../lib/cli/io";
import { main } from "../../tools/verify";
import { DEV_ACCOUNT_NAME } from "./azurite";
import { ProcessRun, TypeScriptRunner, typeScriptRunner } from "./run-ts";
import type { FakeApp, FakeEntra } from "./fake-entra";
import type { TestCertificate } from "./tls-cert";

/** The tenant every application of a suite lives in. */
export const TENANT = randomUUID();
/** A secret in the shape Entra issues (a `~` in it), with a label to tell them apart. */
export const secret = (label: string) => `${label}~Q8.${randomBytes(18).toString("base64url")}`;
/** An application of TENANT with Machine.Read.All consented, unless `extra` says otherwise. */
export const app = (label: string, extra: Partial<FakeApp> = {}): FakeApp => ({
  tenantId: TENANT,
  clientId: randomUUID(),
  secret: secret(label),
  defenderRoles: [MACHINE_READ_ALL],
  ...extra,
});

/** The storage account the outputs name by default (Azurite's well-known one). */
export const FULL_ACCOUNT = DEV_ACCOUNT_NAME;
export const QUEUE = "xshield-blob-events";

export function storageAccountId(account: string): string {
  return `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-xshield-mde-test/providers/Microsoft.Storage/storageAccounts/${account}`;
}

export const byCheck = (results: readonly CheckResult[]) => Object.fromEntries(results.map((r) => [r.check, r]));
export const statuses = (results: readonly CheckResult[]) => results.map((r) => `${r.check}:${r.status}${r.warning ? "(warning)" : ""}`);
/** Rendered as the command shows results: the --json array and the printed report. */
export { formatReport } from "../../lib/cli/checks";

/** What one command-line run printed, and its exit code. */
export interface Run {
  code: number;
  out: string[];
  err: string[];
}

/** Runs verify against running fakes; `storage` is the blob and queue endpoints (`{account}` allowed). */
export class VerifyHarness {
  /** Everything any run printed or returned. */
  public readonly printed: string[] = [];

  public constructor(
    public readonly cert: TestCertificate,
    public readonly entra: FakeEntra,
    public readonly workDir: string,
    private readonly storage: { readonly blob: string; readonly queue: string },
  ) {}

  /** The deployed outputs of `a`, for `verifyIntegration`. */
  public inputs(a: FakeApp, extra: Partial<VerifyInputs> = {}): VerifyInputs {
    return {
      tenantId: a.tenantId,
      clientId: a.clientId,
      clientSecret: a.secret,
      storageAccountName: FULL_ACCOUNT,
      queueName: QUEUE,
      storageAccountId: storageAccountId(extra.storageAccountName ?? FULL_ACCOUNT),
      clientSecretExpiresAt: new Date(Date.now() + 200 * 86_400_000).toISOString(),
      clientSecretPreviousExpiresAt: new Date(Date.now() + 20 * 86_400_000).toISOString(),
      clientSecretNextRotationAt: new Date(Date.now() + 15 * 86_400_000).toISOString(),
      clientSecretSlot: "b",
      ...extra,
    };
  }

  /** The fakes' endpoints as `verifyIntegration`'s options. */
  public endpoints(extra: Partial<VerifyOptions> = {}): VerifyOptions {
    return {
      authorityHost: this.entra.url,
      defenderApiBase: this.entra.url,
      blobEndpoint: this.storage.blob,
      queueEndpoint: this.storage.queue,
      extraCaCertificates: this.cert.certPem,
      requestTimeoutMs: 10_000,
      environmentName: "test",
      ...extra,
    };
  }

  /** `verifyIntegration`, recorded. */
  public async verify(values: VerifyInputs, options: VerifyOptions = this.endpoints()): Promise<CheckResult[]> {
    const results = await verifyIntegration(values, options);
    this.printed.push(JSON.stringify(results));
    return results;
  }

  /** `npm run verify -- <argv>` in this process, recorded. */
  public async cli(argv: readonly string[], options: Parameters<typeof main>[2] = {}): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
    const code = await main(argv, io, { requestTimeoutMs: 10_000, env: {}, ...options });
    this.printed.push(...out, ...err);
    return { code, out, err };
  }

  /** A cdktf outputs file of the `dev` environment with `a`'s values. */
  public outputsFile(a: FakeApp, overrides: Record<string, string> = {}): string {
    const file = join(this.workDir, `outputs-${randomUUID()}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        dev: {
          client_id: a.clientId,
          tenant_id: a.tenantId,
          client_secret: a.secret,
          storage_account_name: FULL_ACCOUNT,
          queue_name: QUEUE,
          storage_account_id: storageAccountId(FULL_ACCOUNT),
          client_secret_expires_at: new Date(Date.now() + 200 * 86_400_000).toISOString(),
          ...overrides,
        },
      }),
    );
    return file;
  }

  /** The fakes' endpoints as command-line flags. */
  public endpointFlags(): string[] {
    return [
      "--authority-host", this.entra.url,
      "--defender-api", this.entra.url,
      `--blob-endpoint=${this.storage.blob}`,
      `--queue-endpoint=${this.storage.queue}`,
      "--ca-file", this.cert.certPath,
    ];
  }
}

/**
 * `npm run verify -- <args>` as a separate process (tools/verify.ts run from the project folder),
 * for a describe block: registers the hooks that set the runner up and remove it.
 */
export function verifyProcess(): { run(args: readonly string[], env?: Record<string, string>): Promise<ProcessRun> } {
  const script = join(__dirname, "..", "..", "tools", "verify.ts");
  const root = join(__dirname, "..", "..");
  let runner: TypeScriptRunner | undefined;
  beforeAll(() => {
    runner = typeScriptRunner();
  });
  afterAll(() => runner?.remove());
  return { run: (args, env) => runner!.run(script, args, { cwd: root, ...(env !== undefined ? { env } : {}) }) };
}
