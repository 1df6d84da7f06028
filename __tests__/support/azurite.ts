import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const DEV_ACCOUNT_NAME = "devstoreaccount1";
export const DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** A running Azurite (blob + queue over HTTPS, OAuth "basic"), in memory. */
export interface RunningAzurite {
  /** `https://127.0.0.1:<port>`: append `/<account>` for an account's endpoint. */
  readonly blobOrigin: string;
  /** `https://127.0.0.1:<port>`: append `/<account>` for an account's endpoint. */
  readonly queueOrigin: string;
  /** The watchdog process (our direct child). */
  readonly process: ChildProcess;
  /** Process id of Azurite itself (the watchdog's child). */
  readonly azuritePid: number;
  /** Stops Azurite and its watchdog and resolves once the watchdog has exited (it waits for Azurite). */
  stop(): Promise<void>;
  /** True once the watchdog (and so Azurite) has exited. */
  hasExited(): boolean;
}

/**
 * Runs Azurite as its child and kills it when its own stdin closes, i.e. when the test process
 * is gone however it ended (afterAll not reached, jest killed by a timeout): no emulator is ever
 * left behind. Prints `AZURITE_PID=<pid>` first, then passes Azurite's output through.
 */
const WATCHDOG = `
const { spawn } = require("child_process");
const child = spawn(process.execPath, process.argv.slice(1), { stdio: ["ignore", "inherit", "inherit"] });
process.stdout.write("AZURITE_PID=" + child.pid + "\\n");
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  child.kill("SIGTERM");
  setTimeout(() => child.kill("SIGKILL"), 5000).unref();
};
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
child.on("exit", (code) => process.exit(code === null ? 1 : code));
`;

/**
 * Starts Azurite (blob, queue and table; the table service is unused) on 127.0.0.1 with port 0
 * for every service, so the OS picks free ports; the ports are read back from Azurite's
 * "successfully listening at" lines. HTTPS with the given certificate, because Azurite accepts
 * bearer tokens only over HTTPS and only with `--oauth basic`, which checks a token's lifetime
 * (nbf/exp/iat), issuer prefix (https://sts.windows.net/…) and audience (https://storage.azure.com)
 * but not its signature. In memory: nothing is written to disk.
 */
export async function startAzurite(options: {
  readonly certPath: string;
  readonly keyPath: string;
  /** Storage accounts besides devstoreaccount1 (name and base64 key), via AZURITE_ACCOUNTS. */
  readonly extraAccounts?: readonly { readonly name: string; readonly key: string }[];
  readonly startTimeoutMs?: number;
}): Promise<RunningAzurite> {
  const workspace = mkdtempSync(join(tmpdir(), "verify-azurite-"));
  const script = require.resolve("azurite/dist/src/azurite.js");
  const args = [
    script,
    "--disableTelemetry",
    "--inMemoryPersistence",
    "--extentMemoryLimit", "64",
    "--silent",
    "--skipApiVersionCheck",
    "--loose",
    "--blobHost", "127.0.0.1", "--blobPort", "0",
    "--queueHost", "127.0.0.1", "--queuePort", "0",
    "--tableHost", "127.0.0.1", "--tablePort", "0",
    "--oauth", "basic",
    "--cert", options.certPath,
    "--key", options.keyPath,
  ];
  // AZURITE_ACCOUNTS replaces the default account, so the well-known one is always listed first;
  // an inherited value is never used.
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.AZURITE_ACCOUNTS;
  if (options.extraAccounts !== undefined && options.extraAccounts.length > 0) {
    env.AZURITE_ACCOUNTS = [{ name: DEV_ACCOUNT_NAME, key: DEV_ACCOUNT_KEY }, ...options.extraAccounts]
      .map((a) => `${a.name}:${a.key}`)
      .join(";");
  }
  const child = spawn(process.execPath, ["-e", WATCHDOG, ...args], { cwd: workspace, stdio: ["pipe", "pipe", "pipe"], env });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
  });

  let output = "";
  let azuritePid = 0;
  const ports: { blob?: number; queue?: number } = {};
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within ${startTimeoutMs} ms. Output:\n${output}`)), startTimeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const pid = /AZURITE_PID=(\d+)/.exec(output);
      if (pid) azuritePid = Number(pid[1]);
      for (const match of output.matchAll(/Azurite (Blob|Queue) service is successfully listening at https:\/\/127\.0\.0\.1:(\d+)/g)) {
        if (match[1] === "Blob") ports.blob = Number(match[2]);
        if (match[1] === "Queue") ports.queue = Number(match[2]);
      }
      if (ports.blob && ports.queue && azuritePid) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited before it was ready (code ${code}, signal ${signal}). Output:\n${output}`));
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });

  const stop = async (): Promise<void> => {
    if (!exited) {
      // Closing stdin is the watchdog's signal; SIGKILL both if that has not worked in 8 s.
      child.stdin?.end();
      const timer = setTimeout(() => {
        if (azuritePid) {
          try {
            process.kill(azuritePid, "SIGKILL");
          } catch {
            // already gone
          }
        }
        child.kill("SIGKILL");
      }, 8_000);
      await exitPromise;
      clearTimeout(timer);
    }
    rmSync(workspace, { recursive: true, force: true });
  };

  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    blobOrigin: `https://127.0.0.1:${ports.blob}`,
    queueOrigin: `https://127.0.0.1:${ports.queue}`,
    process: child,
    azuritePid,
    stop,
    hasExited: () => exited,
  };
}
