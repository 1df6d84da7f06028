/**
 * `npm run verify` against real components on loopback, all started (and stopped) by this file:
 * Azurite (blob + queue, HTTPS, OAuth "basic") for the storage side, a fake Entra ID token
 * endpoint + Defender API, fake storage endpoints for the two 403s Azurite cannot produce, and a
 * proxy in front of Azurite that plays a role scoped to the events container (the dead-letter
 * container then answers 403, as in a default deployment). The last tests run verify as a
 * separate process. Servers that quote the secret back: verify-echo.test.ts.
 */
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import * as fc from "fast-check";
import { BlobServiceClient, StorageSharedKeyCredential as BlobSharedKey, type StoragePipelineOptions as BlobPipelineOptions } from "@azure/storage-blob";
import { QueueServiceClient, StorageSharedKeyCredential as QueueSharedKey, type StoragePipelineOptions as QueuePipelineOptions } from "@azure/storage-queue";
import { DEAD_LETTER_CONTAINER_NAME, MACHINE_READ_ALL, NETWORK_EVENTS_CONTAINER_NAME } from "../lib/constants";
import { DEV_ACCOUNT_KEY, RunningAzurite, startAzurite } from "./support/azurite";
import { FakeApp, FakeEntra, startFakeEntra } from "./support/fake-entra";
import { FakeStorage, startFakeStorage } from "./support/fake-storage";
import { ScopedStorage, startScopedStorage } from "./support/scoped-storage";
import { longDescription, SECRET_ENCODINGS, secretLeaks } from "./support/secret-echo";
import { createTestCertificate, TestCertificate } from "./support/tls-cert";
import { app, byCheck, FULL_ACCOUNT, QUEUE, Run, secret, statuses, TENANT, VerifyHarness, verifyProcess } from "./support/verify-harness";
import { CREDENTIAL_DEBUG_SECTIONS, credentialDebugSections, JsonError, main, parseMaxQueueAgeMinutes, USAGE } from "../tools/verify";
import {
  CHECK_IDS,
  CheckResult,
  decodeJwtPayload,
  DEFAULT_MAX_QUEUE_AGE_MINUTES,
  EXIT_CODES,
  exitCodeOf,
  formatDuration,
  formatReport,
  resolveEndpoints,
  SECRET_HIDDEN,
  secretScrubber,
  verifyIntegration,
  VerifyOptionsError,
} from "../lib/cli/checks";

jest.setTimeout(30_000);

// ---- The cast --------------------------------------------------------------------------------

const APPS = {
  good: app("good"),
  expired: app("expired", { secretExpired: true }),
  noConsent: app("noconsent", { defenderRoles: [] }),
  extraRole: app("extrarole", { defenderRoles: [MACHINE_READ_ALL, "Machine.Isolate"] }),
  defender403: app("defender403", { defenderStatus: 403 }),
  defender401: app("defender401", { defenderStatus: 401 }),
  /** Only ever run against LEAKY_ACCOUNT, whose dead letter's name quotes this app's secret. */
  deadName: app("deadname"),
};
/** A secret no app has: the "wrong secret" cases send it. */
const WRONG_SECRET = secret("wrong");

/** Every secret of this file: none may ever appear in anything verify prints or returns. */
const ALL_SECRETS = [...Object.values(APPS).map((a) => a.secret), WRONG_SECRET];

/** Both ways verify shows results: the --json array and the printed report. */
const shown = (results: readonly CheckResult[]): string => `${JSON.stringify(results, null, 2)}\n${formatReport(results).join("\n")}`;

/**
 * Storage accounts in Azurite: one complete and healthy, one whose events container is empty, one
 * bare, one in trouble (dead letters, a message received and not deleted), and one whose dead
 * letter's name quotes a secret.
 */
const EMPTY_ACCOUNT = "emptyevents";
const BARE_ACCOUNT = "bareaccount";
const TROUBLED_ACCOUNT = "troubledaccount";
const LEAKY_ACCOUNT = "leakyaccount";
const EXTRA_KEY = randomBytes(64).toString("base64");
const BLOB_NAME = `tenantId=${TENANT}/y=2026/m=01/d=01/h=00/m=00/PT1H.json`;
/**
 * Dead letters as Event Grid names them: the subscription's name in capitals, then the unpadded
 * UTC date and hour. The newest is written last, a second after the others, and sorts first in a
 * listing ("10" < "8"): a check that took the last one listed would name the wrong one.
 */
const DEAD_LETTERS_OLDER = [`XSHIELD-NETWORK-EVENTS/2026/1/1/8/${randomUUID()}.json`, `XSHIELD-NETWORK-EVENTS/2026/1/1/9/${randomUUID()}.json`];
const DEAD_LETTER_NEWEST = `XSHIELD-NETWORK-EVENTS/2026/1/1/10/${randomUUID()}.json`;
/**
 * LEAKY_ACCOUNT's dead letter: its name quotes APPS.deadName's secret where verify's 200-character
 * cut of the name falls 10 characters into it (name shortened before it was scrubbed: a leak).
 */
const LEAKY_DEAD_LETTER = (() => {
  const prefix = "XSHIELD-NETWORK-EVENTS/2026/1/1/0/";
  return `${prefix}${longDescription(199 - 10 - prefix.length)}${APPS.deadName.secret}.json`;
})();

let cert: TestCertificate;
let entra: FakeEntra;
let azurite: RunningAzurite;
let firewall: FakeStorage;
let noQueueRole: FakeStorage;
let noBlobRole: FakeStorage;
/** Azurite's blob service behind a role on the events container only (dataRoleScope "resources"). */
let eventsOnly: ScopedStorage;
let workDir: string;
let harness: VerifyHarness;
/** What the separate processes printed (the harness records its own runs), for the secret assertion at the end. */
const everythingPrinted: string[] = [];

const inputs: VerifyHarness["inputs"] = (...args) => harness.inputs(...args);
const endpoints: VerifyHarness["endpoints"] = (...args) => harness.endpoints(...args);
const verify: VerifyHarness["verify"] = (...args) => harness.verify(...args);
const cli: VerifyHarness["cli"] = (...args) => harness.cli(...args);
const outputsFile: VerifyHarness["outputsFile"] = (...args) => harness.outputsFile(...args);
const endpointFlags: VerifyHarness["endpointFlags"] = () => harness.endpointFlags();

// ---- Start and stop everything ----------------------------------------------------------------

beforeAll(async () => {
  cert = createTestCertificate();
  workDir = mkdtempSync(join(tmpdir(), "verify-test-"));
  [entra, azurite, firewall, noQueueRole, noBlobRole] = await Promise.all([
    startFakeEntra({ certPem: cert.certPem, keyPem: cert.keyPem, apps: Object.values(APPS) }),
    startAzurite({
      certPath: cert.certPath,
      keyPath: cert.keyPath,
      extraAccounts: [
        { name: EMPTY_ACCOUNT, key: EXTRA_KEY },
        { name: BARE_ACCOUNT, key: EXTRA_KEY },
        { name: TROUBLED_ACCOUNT, key: EXTRA_KEY },
        { name: LEAKY_ACCOUNT, key: EXTRA_KEY },
      ],
    }),
    startFakeStorage({ certPem: cert.certPem, keyPem: cert.keyPem, account: FULL_ACCOUNT, status: 403, errorCode: "AuthorizationFailure" }),
    startFakeStorage({ certPem: cert.certPem, keyPem: cert.keyPem, account: FULL_ACCOUNT, status: 403, errorCode: "AuthorizationPermissionMismatch" }),
    startFakeStorage({ certPem: cert.certPem, keyPem: cert.keyPem, account: FULL_ACCOUNT, status: 403, errorCode: "AuthorizationPermissionMismatch" }),
  ]);
  harness = new VerifyHarness(cert, entra, workDir, { blob: `${azurite.blobOrigin}/{account}`, queue: `${azurite.queueOrigin}/{account}` });

  // Seed Azurite through the emulator itself, with shared keys (the app under test only ever uses tokens).
  // tlsOptions is not in StoragePipelineOptions' type; the SDK passes it on to its core pipeline.
  const setupOptions: BlobPipelineOptions & QueuePipelineOptions & { tlsOptions: { ca: string[] } } = {
    tlsOptions: { ca: [...tls.rootCertificates, cert.certPem] },
    retryOptions: { maxTries: 1 },
  };
  const seed = async (account: string, key: string, withBlob: boolean) => {
    const queues = new QueueServiceClient(`${azurite.queueOrigin}/${account}`, new QueueSharedKey(account, key), setupOptions);
    const queue = queues.getQueueClient(QUEUE);
    await queue.create();
    const blobs = new BlobServiceClient(`${azurite.blobOrigin}/${account}`, new BlobSharedKey(account, key), setupOptions);
    const container = blobs.getContainerClient(NETWORK_EVENTS_CONTAINER_NAME);
    await container.create();
    // The deployment creates the dead-letter container; Event Grid writes into it.
    const deadLetters = blobs.getContainerClient(DEAD_LETTER_CONTAINER_NAME);
    await deadLetters.create();
    if (withBlob) {
      const body = JSON.stringify({ time: new Date().toISOString(), category: "AdvancedHunting-DeviceNetworkEvents" });
      await container.getBlockBlobClient(BLOB_NAME).upload(body, Buffer.byteLength(body));
      await queue.sendMessage(Buffer.from(JSON.stringify({ eventType: "Microsoft.Storage.BlobCreated" })).toString("base64"));
    }
    return { queue, deadLetters };
  };
  const deadLetter = (name: string) => {
    const body = JSON.stringify([
      { eventType: "Microsoft.Storage.BlobCreated", subject: `/blobServices/default/containers/${NETWORK_EVENTS_CONTAINER_NAME}/blobs/${BLOB_NAME}`, deadLetterReason: "MaxDeliveryAttemptsExceeded", deliveryAttempts: 30, lastDeliveryOutcome: "Forbidden", name },
    ]);
    return [body, Buffer.byteLength(body)] as const;
  };
  await seed(FULL_ACCOUNT, DEV_ACCOUNT_KEY, true);
  await seed(EMPTY_ACCOUNT, EXTRA_KEY, false);
  const leaky = await seed(LEAKY_ACCOUNT, EXTRA_KEY, false);
  await leaky.deadLetters.getBlockBlobClient(LEAKY_DEAD_LETTER).upload(...deadLetter(LEAKY_DEAD_LETTER));
  // In trouble: two dead letters, then a message received once and not deleted (visible again
  // after a second, dequeue count 1), then, over a second later, the newest dead letter.
  const troubled = await seed(TROUBLED_ACCOUNT, EXTRA_KEY, true);
  for (const name of DEAD_LETTERS_OLDER) await troubled.deadLetters.getBlockBlobClient(name).upload(...deadLetter(name));
  await troubled.queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 1 });
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  await troubled.deadLetters.getBlockBlobClient(DEAD_LETTER_NEWEST).upload(...deadLetter(DEAD_LETTER_NEWEST));

  eventsOnly = await startScopedStorage({
    certPem: cert.certPem,
    keyPem: cert.keyPem,
    target: azurite.blobOrigin,
    targetCa: cert.certPem,
    readableContainers: [NETWORK_EVENTS_CONTAINER_NAME],
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([azurite?.stop(), entra?.close(), firewall?.close(), noQueueRole?.close(), noBlobRole?.close(), eventsOnly?.close()]);
  cert?.remove();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  // Nothing left running: the watchdog child has exited, and both its pid and Azurite's are gone.
  expect(azurite.hasExited()).toBe(true);
  expect(() => process.kill(azurite.process.pid!, 0)).toThrow(/ESRCH/);
  expect(() => process.kill(azurite.azuritePid, 0)).toThrow(/ESRCH/);
}, 30_000);

// ---- verifyIntegration: every path ------------------------------------------------------------

describe("verifyIntegration", () => {
  test("all seven checks pass against a complete, healthy deployment", async () => {
    const results = await verify(inputs(APPS.good));
    expect(results.map((r) => r.check)).toEqual([...CHECK_IDS]);
    expect(statuses(results)).toEqual([
      "credentials:pass",
      "consent:pass",
      "defender-api:pass",
      "queue:pass",
      "events:pass",
      "queue-age:pass",
      "dead-letters:pass",
    ]);
    const r = byCheck(results);
    expect(r.credentials!.message).toContain(APPS.good.clientId);
    expect(r.credentials!.message).toContain("with the newest client secret (slot B)");
    expect(r.credentials!.message).toMatch(/It expires on \d{4}-\d{2}-\d{2} \(in 19\d days\)\. The older secret expires on \d{4}-\d{2}-\d{2}\./);
    expect(r.credentials!.message).toMatch(/The next apply from \d{4}-\d{2}-\d{2} renews the older secret; Xshield must use the newest by then\./);
    expect(r.consent!.message).toContain(MACHINE_READ_ALL);
    expect(r["defender-api"]!.message).toContain("200");
    expect(r.queue!.message).toContain("1 message waiting");
    expect(r.events!.message).toContain(BLOB_NAME);
    expect(r.events!.message).toMatch(/written \d+ s ago/);
    expect(r["queue-age"]!.message).toMatch(new RegExp(`^The oldest of the one message waiting in queue ${QUEUE} was inserted \\d+ s ago \\(\\d{4}-\\d\\d-\\d\\dT[^)]+\\)\\. Within the limit of 1 h\\.$`));
    expect(r["dead-letters"]!.message).toBe(`Container ${DEAD_LETTER_CONTAINER_NAME} holds no blob: Event Grid delivered every notification to queue ${QUEUE}.`);
    expect(results.some((x) => x.warning)).toBe(false);
    expect(exitCodeOf(results)).toBe(0);
    expect(exitCodeOf(results, true)).toBe(0);
  });

  test("uses the application's own client-credentials tokens, for the Defender API and for storage", async () => {
    const before = entra.requests.length;
    await verify(inputs(APPS.good));
    const tokenRequests = entra.requests.slice(before).filter((q) => q.path.endsWith("/oauth2/v2.0/token"));
    expect(tokenRequests.map((q) => q.scope).sort()).toEqual([
      "https://api.securitycenter.microsoft.com/.default",
      "https://storage.azure.com/.default",
    ]);
    expect(tokenRequests.every((q) => q.grantType === "client_credentials" && q.clientId === APPS.good.clientId)).toBe(true);
    expect(entra.requests.slice(before).some((q) => q.path === "/api/machines?$top=1" && q.authorization?.startsWith("Bearer "))).toBe(true);
  });

  test("a wrong secret fails Credentials (AADSTS7000215) and skips every later check", async () => {
    const results = await verify(inputs(APPS.good, { clientSecret: WRONG_SECRET }));
    expect(statuses(results)).toEqual([
      "credentials:fail",
      "consent:skip",
      "defender-api:skip",
      "queue:skip",
      "events:skip",
      "queue-age:skip",
      "dead-letters:skip",
    ]);
    const r = byCheck(results);
    expect(r.credentials!.message).toContain("AADSTS7000215");
    expect(r.credentials!.fix).toContain("npx cdktf deploy test");
    expect(r.consent!.message).toMatch(/skipped: no token/);
    expect(exitCodeOf(results)).toBe(1);
  });

  test("an expired secret is reported as expired, with its expiry date", async () => {
    const results = await verify(inputs(APPS.expired, { clientSecretExpiresAt: "2025-01-31T10:00:00Z" }));
    const r = byCheck(results);
    expect(r.credentials!.status).toBe("fail");
    expect(r.credentials!.message).toContain("AADSTS7000222");
    expect(r.credentials!.message).toContain("expired (on 2025-01-31)");
    expect(r.credentials!.fix).toMatch(/it renews the due slot and the outputs then hold the newest secret/);
  });

  test("an unknown application (AADSTS700016) and an unknown tenant (AADSTS90002) are told apart", async () => {
    const unknownApp = byCheck(await verify(inputs(APPS.good, { clientId: randomUUID() })));
    expect(unknownApp.credentials!.message).toContain("AADSTS700016");
    expect(unknownApp.credentials!.message).toContain("was not found in tenant");

    const unknownTenant = byCheck(await verify(inputs(APPS.good, { tenantId: randomUUID() })));
    expect(unknownTenant.credentials!.message).toContain("AADSTS90002");
    expect(unknownTenant.credentials!.fix).toContain("--authority-host");
  });

  test("an unreachable authority host fails Credentials with the host and the fix", async () => {
    const port = await closedPort();
    const results = await verify(inputs(APPS.good), endpoints({ authorityHost: `https://127.0.0.1:${port}` }));
    const r = byCheck(results);
    expect(r.credentials!.status).toBe("fail");
    expect(r.credentials!.message).toContain(`Cannot reach the authority host 127.0.0.1:${port}`);
    expect(r.credentials!.message).toContain("ECONNREFUSED");
  });

  test("a rotation that is due and not applied passes with a warning that says what the next apply does", async () => {
    const overdue = new Date(Date.now() - 3 * 86_400_000);
    const results = await verify(inputs(APPS.good, { clientSecretNextRotationAt: overdue.toISOString() }));
    const r = byCheck(results);
    expect(r.credentials!.status).toBe("pass");
    expect(r.credentials!.warning).toBe(true);
    expect(r.credentials!.message).toContain(`The rotation due on ${overdue.toISOString().slice(0, 10)} has not been applied yet.`);
    expect(r.credentials!.fix).toContain("renews the older secret (make sure Xshield uses the newest first)");
    expect(r.credentials!.fix).toContain("after a whole interval without one, the next apply renews both secrets at once");
    expect(exitCodeOf(results)).toBe(0);
  });

  test("a secret close to expiry passes with a warning", async () => {
    const results = await verify(inputs(APPS.good, { clientSecretExpiresAt: new Date(Date.now() + 10.5 * 86_400_000).toISOString() }));
    const r = byCheck(results);
    expect(r.credentials!.status).toBe("pass");
    expect(r.credentials!.warning).toBe(true);
    expect(r.credentials!.message).toContain("(in 10 days)");
    expect(exitCodeOf(results)).toBe(0);
  });

  test("missing Machine.Read.All fails consent with the portal step and the admin roles; the API call is skipped, storage still checked", async () => {
    const results = await verify(inputs(APPS.noConsent));
    expect(statuses(results)).toEqual([
      "credentials:pass",
      "consent:fail",
      "defender-api:skip",
      "queue:pass",
      "events:pass",
      "queue-age:pass",
      "dead-letters:pass",
    ]);
    const r = byCheck(results);
    expect(r.consent!.message).toContain("roles: none");
    expect(r.consent!.fix).toContain(
      `Entra admin center > App registrations > (the application with client id ${APPS.noConsent.clientId}) > API permissions > Grant admin consent for`,
    );
    for (const role of ["Global Administrator", "Privileged Role Administrator", "Cloud Application Administrator", "Application Administrator"]) {
      expect(r.consent!.fix).toContain(role);
    }
    expect(r["defender-api"]!.message).toContain(MACHINE_READ_ALL);
  });

  test("roles beyond Machine.Read.All pass consent with a least-privilege warning", async () => {
    const r = byCheck(await verify(inputs(APPS.extraRole)));
    expect(r.consent!.status).toBe("pass");
    expect(r.consent!.warning).toBe(true);
    expect(r.consent!.message).toContain("Machine.Isolate");
  });

  test("a Defender API 403 despite the role is explained", async () => {
    const r = byCheck(await verify(inputs(APPS.defender403)));
    expect(r.consent!.status).toBe("pass");
    expect(r["defender-api"]!.status).toBe("fail");
    expect(r["defender-api"]!.message).toContain("403");
    expect(r["defender-api"]!.message).toContain("Forbidden");
    expect(r["defender-api"]!.fix).toMatch(/wait up to 15 minutes/);
  });

  test("a Defender API 401 is explained", async () => {
    const r = byCheck(await verify(inputs(APPS.defender401)));
    expect(r["defender-api"]!.status).toBe("fail");
    expect(r["defender-api"]!.message).toContain("rejected the token (401");
    expect(r["defender-api"]!.fix).toContain("--defender-scope");
  });

  test("queue 403 AuthorizationFailure is the storage firewall: add the egress IPs to allowedIpRanges", async () => {
    const results = await verify(inputs(APPS.good), endpoints({ queueEndpoint: firewall.endpoint }));
    const r = byCheck(results);
    expect(r.queue!.status).toBe("fail");
    expect(r.queue!.message).toContain("AuthorizationFailure");
    expect(r.queue!.message).toContain("firewall");
    expect(r.queue!.fix).toContain("allowedIpRanges");
    expect(r.events!.status).toBe("pass");
    // The fake saw the application's bearer token, not a shared key.
    expect(firewall.requests.length).toBeGreaterThan(0);
    expect(firewall.requests.every((q) => q.authorization?.startsWith("Bearer "))).toBe(true);
  });

  test("queue 403 AuthorizationPermissionMismatch is the missing/propagating Message Processor role", async () => {
    const r = byCheck(await verify(inputs(APPS.good), endpoints({ queueEndpoint: noQueueRole.endpoint })));
    expect(r.queue!.status).toBe("fail");
    expect(r.queue!.message).toContain("AuthorizationPermissionMismatch");
    expect(r.queue!.fix).toContain("up to 10 minutes");
    expect(r.queue!.fix).toContain("Storage Queue Data Message Processor");
    expect(r.queue!.fix).toContain(`Queues > ${QUEUE}`);
    // No peek, no age.
    expect(r["queue-age"]!.status).toBe("skip");
    expect(r["queue-age"]!.message).toBe("skipped: the queue could not be read (see Storage queue access).");
  });

  test("container 403s are told apart the same way, naming Storage Blob Data Reader", async () => {
    const role = byCheck(await verify(inputs(APPS.good), endpoints({ blobEndpoint: noBlobRole.endpoint })));
    expect(role.events!.status).toBe("fail");
    expect(role.events!.message).toContain("AuthorizationPermissionMismatch");
    expect(role.events!.fix).toContain("Storage Blob Data Reader");
    expect(role.events!.fix).toContain(NETWORK_EVENTS_CONTAINER_NAME);

    const fw = byCheck(await verify(inputs(APPS.good), endpoints({ blobEndpoint: firewall.endpoint })));
    expect(fw.events!.message).toContain("AuthorizationFailure");
    expect(fw.events!.fix).toContain("allowedIpRanges");
    // The firewall is no design decision: a dead-letter container behind it fails too.
    expect(fw["dead-letters"]!.status).toBe("fail");
    expect(fw["dead-letters"]!.message).toContain("AuthorizationFailure");
    expect(fw["dead-letters"]!.fix).toContain("allowedIpRanges");
  });

  test("a missing queue (404 QueueNotFound) and a missing container (404 ContainerNotFound) fail", async () => {
    const r = byCheck(await verify(inputs(APPS.good, { storageAccountName: BARE_ACCOUNT })));
    expect(r.queue!.status).toBe("fail");
    expect(r.queue!.message).toContain(`Queue ${QUEUE} does not exist in storage account ${BARE_ACCOUNT}`);
    expect(r.queue!.message).toContain("QueueNotFound");
    expect(r.events!.status).toBe("fail");
    expect(r.events!.message).toContain("ContainerNotFound");
    expect(r["queue-age"]!.status).toBe("skip");
    expect(r["dead-letters"]!.status).toBe("fail");
    expect(r["dead-letters"]!.message).toBe(`Container ${DEAD_LETTER_CONTAINER_NAME} does not exist in storage account ${BARE_ACCOUNT} (404 ContainerNotFound).`);
  });

  test("an empty events container fails with the Streaming API step, the storage account id filled in", async () => {
    const values = inputs(APPS.good, { storageAccountName: EMPTY_ACCOUNT });
    const results = await verify(values);
    const r = byCheck(results);
    expect(r.queue!.status).toBe("pass");
    expect(r.queue!.message).toContain("no message waiting");
    expect(r.events!.status).toBe("fail");
    expect(r.events!.message).toMatch(/empty: Defender's Streaming API is not exporting DeviceNetworkEvents/);
    expect(r.events!.fix).toContain("Settings > Microsoft Defender XDR > Streaming API > Add");
    expect(r.events!.fix).toContain(values.storageAccountId);
    expect(r.events!.fix).toContain("ONLY DeviceNetworkEvents");
    expect(r["queue-age"]!.status).toBe("pass");
    expect(r["queue-age"]!.message).toBe(`No message waiting in queue ${QUEUE}: Xshield has nothing to catch up on.`);
    expect(r["dead-letters"]!.status).toBe("pass");
    expect(exitCodeOf(results)).toBe(1);
  });

  test("a newest blob older than the stale limit passes with a warning and its age", async () => {
    const threeHoursLater = () => new Date(Date.now() + 3 * 3_600_000);
    const r = byCheck(await verify(inputs(APPS.good), endpoints({ now: threeHoursLater })));
    expect(r.events!.status).toBe("pass");
    expect(r.events!.warning).toBe(true);
    expect(r.events!.message).toMatch(/written 3 h( \d+ min)? ago/);
    expect(r.events!.message).toContain("more than 2 h");
    expect(r.events!.fix).toContain("Streaming API");
  });

  test("endpoints must be https URLs", async () => {
    await expect(verifyIntegration(inputs(APPS.good), endpoints({ queueEndpoint: "http://127.0.0.1:1/x" }))).rejects.toThrow(VerifyOptionsError);
    await expect(verifyIntegration(inputs(APPS.good), endpoints({ authorityHost: "not a url" }))).rejects.toThrow(/not a URL/);
  });
});

// ---- Pure helpers -----------------------------------------------------------------------------

describe("helpers", () => {
  test("resolveEndpoints applies the public-cloud defaults and {account}", () => {
    expect(resolveEndpoints({ storageAccountName: "stx" })).toEqual({
      authorityHost: "https://login.microsoftonline.com",
      defenderApiBase: "https://api.security.microsoft.com",
      defenderScope: "https://api.securitycenter.microsoft.com/.default",
      blobEndpoint: "https://stx.blob.core.windows.net",
      queueEndpoint: "https://stx.queue.core.windows.net",
      armEndpoint: "https://management.azure.com",
      graphEndpoint: "https://graph.microsoft.com",
    });
    expect(resolveEndpoints({ storageAccountName: "stx" }, { blobEndpoint: "https://{account}.blob.core.usgovcloudapi.net/" }).blobEndpoint).toBe(
      "https://stx.blob.core.usgovcloudapi.net",
    );
  });

  test("secretScrubber removes the secret as typed and URL-encoded", () => {
    const scrub = secretScrubber(["a b~c/d", ""]);
    expect(scrub("x a b~c/d y a%20b~c%2Fd z")).toBe("x [client secret hidden] y [client secret hidden] z");
    expect(scrub("nothing here")).toBe("nothing here");
  });

  test("secretScrubber hides the secret in every encoding a server may quote it in, and in mixtures of them", () => {
    const secret = `k~ "+/\\é🔑${"x".repeat(8)}`;
    const scrub = secretScrubber([secret]);
    for (const { name, encode } of SECRET_ENCODINGS) {
      expect([name, scrub(`before ${encode(secret)} between ${encode(secret)} after`)]).toEqual([
        name,
        `before ${SECRET_HIDDEN} between ${SECRET_HIDDEN} after`,
      ]);
    }
    // Character by character: %7e here, \u0020 there, a raw quote, &#x2B; …
    expect(scrub(`<k%7e\\u0020"&#x2B;%2F\\\\\\u00e9%F0%9F%94%91xxxxxxxx>`)).toBe(`<${SECRET_HIDDEN}>`);
    // Hex digits in either case, but the secret's own letters exactly as they are.
    expect(scrub(`K~ "+/\\é🔑${"x".repeat(8)}`)).not.toContain(SECRET_HIDDEN);
    expect(scrub("nothing here, not even k~ or xxxxxxxx")).toBe("nothing here, not even k~ or xxxxxxxx");
  });

  test("secretScrubber recognises any secret, whatever its characters, in every encoding", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 24 }), fc.constantFrom(...SECRET_ENCODINGS), (secret, { encode }) => {
        expect(secretScrubber([secret])(encode(secret))).toBe(SECRET_HIDDEN);
      }),
    );
  });

  test("credentialDebugSections reads NODE_DEBUG the way Node does: list, case, wildcard", () => {
    expect(credentialDebugSections("http")).toEqual(["http"]);
    expect(credentialDebugSections("fs,HTTPS,module")).toEqual(["https"]);
    expect(credentialDebugSections("net,tls")).toEqual(["net", "tls"]);
    expect(credentialDebugSections("*")).toEqual([...CREDENTIAL_DEBUG_SECTIONS]);
    for (const harmless of [undefined, "", "fs", "module,esm", "httpx", " http"]) {
      expect([harmless, credentialDebugSections(harmless)]).toEqual([harmless, []]);
    }
    // Node itself agrees on what each value turns on.
    for (const value of ["http", "fs,HTTPS,module", "net,tls", "*", "http*", "ht?p", "fs", "httpx", " http", "HTTP2,undici"]) {
      const node = spawnSync(
        process.execPath,
        ["-e", `const util = require("util"); process.stdout.write(JSON.stringify(${JSON.stringify(CREDENTIAL_DEBUG_SECTIONS)}.filter((s) => util.debuglog(s).enabled)))`],
        { env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: "", NODE_DEBUG: value }, encoding: "utf8" },
      );
      expect([value, credentialDebugSections(value)]).toEqual([value, JSON.parse(node.stdout) as string[]]);
    }
  });

  test("decodeJwtPayload reads claims without verifying, and refuses non-JWTs", () => {
    const payload = Buffer.from(JSON.stringify({ roles: ["Machine.Read.All"] })).toString("base64url");
    expect(decodeJwtPayload(`x.${payload}.y`)).toEqual({ roles: ["Machine.Read.All"] });
    expect(decodeJwtPayload("opaque-token")).toBeUndefined();
    expect(decodeJwtPayload("x.bm90IGpzb24.y")).toBeUndefined();
  });

  test("formatDuration", () => {
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(12 * 60_000)).toBe("12 min");
    expect(formatDuration(185 * 60_000)).toBe("3 h 5 min");
    expect(formatDuration(52 * 3_600_000)).toBe("2 d 4 h");
  });

  test("formatReport prints ✓ ⚠ ✗ - lines, indented fixes and a summary", () => {
    const lines = formatReport([
      { check: "credentials", status: "pass", message: "ok" },
      { check: "consent", status: "pass", message: "ok", fix: "trim", warning: true },
      { check: "defender-api", status: "fail", message: "bad", fix: "line 1\nline 2" },
      { check: "queue", status: "skip", message: "skipped" },
    ]);
    expect(lines).toEqual([
      "✓ Credentials: ok",
      "⚠ Permission and admin consent (Machine.Read.All): ok",
      "    Fix: trim",
      "✗ Defender API access: bad",
      "    Fix: line 1",
      "         line 2",
      "- Storage queue access: skipped",
      "",
      "1 check failed, 1 skipped: fix the ✗ lines above, then run verify again.",
    ]);
  });

  test("exitCodeOf: a failure wins, a warning counts only under strict, a skip on its own counts as nothing", () => {
    const ok: CheckResult = { check: "credentials", status: "pass", message: "ok" };
    const warned: CheckResult = { check: "dead-letters", status: "pass", message: "3 dead letters", fix: "…", warning: true };
    const failed: CheckResult = { check: "events", status: "fail", message: "empty", fix: "…" };
    const notRun: CheckResult = { check: "dead-letters", status: "skip", message: "Not checked", fix: "…" };
    const cases: [string, CheckResult[], number, number][] = [
      ["all pass", [ok], 0, 0],
      ["a warning", [ok, warned], 0, 3],
      ["a failure and a warning", [failed, warned], 1, 1],
      ["a skip by design", [ok, notRun], 0, 0],
      ["a skip by design and a warning", [warned, notRun], 0, 3],
    ];
    for (const [name, results, plain, strict] of cases) {
      expect([name, exitCodeOf(results), exitCodeOf(results, true)]).toEqual([name, plain, strict]);
    }
    expect(EXIT_CODES).toEqual({ passed: 0, failed: 1, cannotRun: 2, warnings: 3 });
  });

  test("formatReport: a check not run by design is counted apart; --strict says when warnings set the exit code", () => {
    const results: CheckResult[] = [
      { check: "credentials", status: "pass", message: "ok" },
      { check: "queue-age", status: "pass", message: "old", fix: "drain it", warning: true },
      { check: "dead-letters", status: "skip", message: "Not checked", fix: "look in the portal" },
    ];
    expect(formatReport(results)).toEqual([
      "✓ Credentials: ok",
      "⚠ Oldest queue message: old",
      "    Fix: drain it",
      `- Dead letters (${DEAD_LETTER_CONTAINER_NAME}): Not checked`,
      "    Fix: look in the portal",
      "",
      "2 of 3 checks passed, 1 not run (1 warning): the integration is ready to activate in Xshield (Settings > Integrations > EDR > Microsoft Defender > Activate).",
    ]);
    expect(formatReport(results, { strict: true }).slice(-2)).toEqual([
      "2 of 3 checks passed, 1 not run (1 warning): the integration is ready to activate in Xshield (Settings > Integrations > EDR > Microsoft Defender > Activate).",
      "--strict: the warning makes the exit code 3.",
    ]);
    // No warning, no --strict line; a failure, the failure summary only.
    expect(formatReport(results.filter((r) => !r.warning), { strict: true }).at(-1)).toMatch(/^1 of 2 checks passed, 1 not run: the integration/);
    expect(formatReport([...results, { check: "events", status: "fail", message: "bad", fix: "fix" }], { strict: true }).at(-1)).toBe(
      "1 check failed, 1 skipped: fix the ✗ lines above, then run verify again.",
    );
  });

  test("parseMaxQueueAgeMinutes: digits only, 1 or more", () => {
    expect(["1", "60", "0060", "1440"].map(parseMaxQueueAgeMinutes)).toEqual([1, 60, 60, 1440]);
    for (const bad of ["0", "00", "-1", "+5", "1.5", "1e3", " 5", "5 ", "0x10", "abc", "", "99999999999999999999"]) {
      expect([bad, parseMaxQueueAgeMinutes(bad)]).toEqual([bad, undefined]);
    }
  });
});

// ---- The CLI ----------------------------------------------------------------------------------

describe("verify CLI", () => {
  test("all pass: a ✓ line per check, a summary, exit code 0", async () => {
    const run = await cli(["dev", "--outputs-file", outputsFile(APPS.good), ...endpointFlags()]);
    expect(run.err).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.out[0]).toContain(`Verifying environment "dev" as application ${APPS.good.clientId}`);
    const checkLines = run.out.filter((l) => /^[✓⚠✗-] /.test(l));
    expect(checkLines).toHaveLength(7);
    expect(checkLines.every((l) => l.startsWith("✓ "))).toBe(true);
    expect(run.out[run.out.length - 1]).toMatch(/^All 7 checks passed: the integration is ready to activate in Xshield/);
  });

  test("--json prints only the machine-readable array of {check, status, message, fix?}", async () => {
    const run = await cli(["dev", "--json", "--outputs-file", outputsFile(APPS.noConsent), ...endpointFlags()]);
    expect(run.code).toBe(1);
    expect(run.out).toHaveLength(1);
    const report = JSON.parse(run.out[0]!) as CheckResult[];
    expect(report.map((r) => r.check)).toEqual([...CHECK_IDS]);
    expect(report.map((r) => r.status)).toEqual(["pass", "fail", "skip", "pass", "pass", "pass", "pass"]);
    for (const r of report) {
      expect(Object.keys(r).every((k) => ["check", "status", "message", "fix", "warning"].includes(k))).toBe(true);
      expect(typeof r.message).toBe("string");
    }
    expect(report[1]!.fix).toContain("Grant admin consent");
  });

  test("a failing check: ✗ with Fix, skipped checks, exit code 1", async () => {
    const run = await cli(["dev", "--outputs-file", outputsFile(APPS.good, { client_secret: WRONG_SECRET }), ...endpointFlags()]);
    expect(run.code).toBe(1);
    expect(run.out.some((l) => l.startsWith("✗ Credentials:") && l.includes("AADSTS7000215"))).toBe(true);
    expect(run.out.some((l) => l.startsWith("    Fix: ") && l.includes("npx cdktf deploy dev"))).toBe(true);
    expect(run.out.filter((l) => l.startsWith("- "))).toHaveLength(6);
    expect(run.out[run.out.length - 1]).toBe("1 check failed, 6 skipped: fix the ✗ lines above, then run verify again.");
  });

  test("endpoints come from XSHIELD_* environment variables when no flag is given", async () => {
    const run = await cli(["dev", "--json", "--outputs-file", outputsFile(APPS.good), "--ca-file", cert.certPath], {
      env: {
        XSHIELD_AUTHORITY_HOST: entra.url,
        XSHIELD_DEFENDER_API: entra.url,
        XSHIELD_BLOB_ENDPOINT: `${azurite.blobOrigin}/{account}`,
        XSHIELD_QUEUE_ENDPOINT: `${azurite.queueOrigin}/{account}`,
      },
    });
    expect(run.code).toBe(0);
    // …and a flag wins over its variable.
    const flagWins = await cli(["dev", "--json", "--outputs-file", outputsFile(APPS.good), ...endpointFlags()], {
      env: { XSHIELD_QUEUE_ENDPOINT: firewall.endpoint },
    });
    expect(flagWins.code).toBe(0);
  });

  test("an unknown environment is a clear error, no stack trace, exit code 2", async () => {
    const run = await cli(["nosuchenv", ...endpointFlags()]);
    expect(run.code).toBe(2);
    expect(run.out).toEqual([]);
    expect(run.err.join("\n")).toMatch(/^verify: unknown environment "nosuchenv"/);
    expect(run.err.join("\n")).not.toMatch(/\n\s+at /);
  });

  test("an environment that is not deployed is a clear error, exit code 2", async () => {
    const run = await cli(["dev", ...endpointFlags()], { projectDir: workDir });
    expect(run.code).toBe(2);
    expect(run.err.join("\n")).toMatch(/^verify: environment "dev" is not deployed/);
    expect(run.err.join("\n")).toContain("npx cdktf deploy dev");
  });

  test("usage errors and bad options exit 2; --help exits 0", async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(["dev", "--bogus"])).err[0]).toBe("verify: unknown option --bogus.");
    expect((await cli(["dev", "--authority-host"])).err[0]).toBe("verify: --authority-host needs a value.");
    const http = await cli(["dev", "--outputs-file", outputsFile(APPS.good), ...endpointFlags(), "--queue-endpoint", "http://127.0.0.1:1/x"]);
    expect(http.code).toBe(2);
    expect(http.out).toEqual([]);
    expect(http.err[0]).toMatch(/must be an https:\/\/ URL/);
    const missingCa = await cli(["dev", "--outputs-file", outputsFile(APPS.good), "--ca-file", join(workDir, "nope.pem")]);
    expect(missingCa.code).toBe(2);
    expect(missingCa.err[0]).toContain("ENOENT");
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out.join("\n")).toContain("usage: npm run verify -- <environment>");
  });

  test("NODE_DEBUG=http: refuses to run before reading or sending anything, names the variable and how to run again, exit code 2", async () => {
    const before = entra.requests.length;
    const run = await cli(["dev", "--outputs-file", outputsFile(APPS.good), ...endpointFlags()], { env: { NODE_DEBUG: "http" } });
    expect(run.code).toBe(2);
    expect(run.out).toEqual([]);
    expect(run.err).toHaveLength(1);
    expect(run.err[0]).toMatch(/^verify: NODE_DEBUG="http" turns on Node's own debug output for http, .*bearer tokens/);
    expect(run.err[0]).toContain("`env -u NODE_DEBUG npm run verify -- dev`");
    expect(entra.requests.length).toBe(before);
    // Before the outputs are read: an environment that does not exist is not even looked up.
    expect((await cli(["nosuchenv"], { env: { NODE_DEBUG: "fs,Net" } })).err[0]).toMatch(/^verify: NODE_DEBUG="fs,Net" .* for net,/);
    // Harmless sections do not stop it.
    expect((await cli(["dev", "--json", "--outputs-file", outputsFile(APPS.good), ...endpointFlags()], { env: { NODE_DEBUG: "fs" } })).code).toBe(0);
  });

  test("an unexpected error is one line, secret hidden, exit code 2", async () => {
    const good = APPS.good.secret;
    const clock = () => {
      throw new Error(`the clock stopped at ${new URLSearchParams({ s: good }).toString()}`);
    };
    const run = await cli(["dev", "--outputs-file", outputsFile(APPS.good), ...endpointFlags()], { now: clock });
    expect(run.code).toBe(2);
    expect(run.err).toEqual([`verify: unexpected error: the clock stopped at s=${SECRET_HIDDEN}`]);
  });

  test("--help --json prints the usage as JSON, exit code 0", async () => {
    const run = await cli(["--json", "--help"]);
    expect(run.code).toBe(0);
    expect(run.err).toEqual([]);
    expect(JSON.parse(run.out.join("\n"))).toEqual({ usage: expect.stringContaining("usage: npm run verify -- <environment>"), exitCode: 0 });
  });
});

describe("verify --json when verify cannot run: one JSON object on stdout, {error, exitCode: 2}, nothing on stderr", () => {
  /** Throws on the first endpoint variable read: an error outside every check. */
  const brokenEnvironment = () =>
    new Proxy<NodeJS.ProcessEnv>({}, {
      get: (_target, name) => {
        if (typeof name === "string" && name.startsWith("XSHIELD_")) throw new TypeError(`cannot read ${name}`);
        return undefined;
      },
    });
  const cases: [string, () => string[], () => Parameters<typeof main>[2], RegExp][] = [
    ["no environment", () => ["--json"], () => ({}), /^which environment\?\.$/],
    ["an unknown option", () => ["dev", "--json", "--bogus"], () => ({}), /^unknown option --bogus\.$/],
    ["a flag without its value", () => ["dev", "--json", "--authority-host"], () => ({}), /^--authority-host needs a value\.$/],
    ["two environments", () => ["dev", "prod", "--json"], () => ({}), /^one environment at a time/],
    ["an unknown environment", () => ["nosuchenv", "--json"], () => ({}), /^unknown environment "nosuchenv"/],
    ["an environment that is not deployed", () => ["dev", "--json"], () => ({ projectDir: workDir }), /^environment "dev" is not deployed/],
    [
      "a non-https endpoint",
      () => ["dev", "--json", "--outputs-file", outputsFile(APPS.good), ...endpointFlags(), "--queue-endpoint", "http://127.0.0.1:1/x"],
      () => ({}),
      /must be an https:\/\/ URL/,
    ],
    ["a missing --ca-file", () => ["dev", "--json", "--outputs-file", outputsFile(APPS.good), "--ca-file", join(workDir, "nope.pem")], () => ({}), /ENOENT/],
    ["a bad --stale-after-minutes", () => ["dev", "--json", "--outputs-file", outputsFile(APPS.good), "--stale-after-minutes", "0"], () => ({}), /must be a positive number/],
    ["NODE_DEBUG=https", () => ["dev", "--json", "--outputs-file", outputsFile(APPS.good)], () => ({ env: { NODE_DEBUG: "https" } }), /^NODE_DEBUG="https" .*env -u NODE_DEBUG/],
    [
      "an unexpected error in a check",
      () => ["dev", "--json", "--outputs-file", outputsFile(APPS.good), ...endpointFlags()],
      () => ({ now: () => { throw new RangeError("the clock stopped"); } }),
      /^unexpected error: the clock stopped$/,
    ],
    ["an unexpected error outside the checks", () => ["dev", "--json", "--outputs-file", outputsFile(APPS.good)], () => ({ env: brokenEnvironment() }), /^unexpected error: cannot read XSHIELD_/],
  ];

  test.each(cases)("%s", async (_name, argv, options, error) => {
    const run = await cli(argv(), options());
    expect(run.code).toBe(2);
    expect(run.err).toEqual([]);
    expect(run.out).toHaveLength(1);
    const answer = JSON.parse(run.out[0]!) as JsonError;
    expect(Object.keys(answer).sort()).toEqual(["error", "exitCode"]);
    expect(answer.exitCode).toBe(2);
    expect(answer.error).toMatch(error);
  });

  test("the text mode says the same on stderr, after verify:", async () => {
    for (const [name, argv, options] of cases) {
      const json = await cli(argv(), options());
      const text = await cli(argv().filter((a) => a !== "--json"), options());
      const { error } = JSON.parse(json.out[0]!) as JsonError;
      // (stdout may hold the "Verifying environment …" line when the error came later, but no check line)
      const checkLines = text.out.filter((l) => /^[✓⚠✗-] /.test(l));
      expect([name, text.code, checkLines, text.err[0]]).toEqual([name, 2, [], `verify: ${error}`]);
    }
  });

  test("an error quoting the secret is hidden in the JSON too", async () => {
    const good = APPS.good.secret;
    const clock = () => {
      throw new Error(`the clock stopped at {"s":${JSON.stringify(good)}}`);
    };
    const run = await cli(["dev", "--json", "--outputs-file", outputsFile(APPS.good), ...endpointFlags()], { now: clock });
    expect(JSON.parse(run.out[0]!)).toEqual({ error: `unexpected error: the clock stopped at {"s":"${SECRET_HIDDEN}"}`, exitCode: 2 });
  });
});

// ---- For schedules: queue age, dead letters, --strict -------------------------------------------

describe("verify for schedules: the oldest queue message and dead letters", () => {
  const troubled = (a: FakeApp = APPS.good) => inputs(a, { storageAccountName: TROUBLED_ACCOUNT });
  const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
  const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  test("dead letters: a warning with the count, the newest by time (not by listing order), its age, the causes and the README entry", async () => {
    const results = await verify(troubled());
    const r = byCheck(results)["dead-letters"]!;
    expect([r.status, r.warning]).toEqual(["pass", true]);
    expect(r.message).toMatch(
      new RegExp(
        `^3 dead letters in container ${DEAD_LETTER_CONTAINER_NAME}: notifications Event Grid could not deliver to queue ${QUEUE}, ` +
          `so Xshield was never told about those blobs\\. The newest, ${quote(DEAD_LETTER_NEWEST)}, was written \\d+ s ago \\(${ISO}\\)\\.$`,
      ),
    );
    for (const part of [
      "deadLetterReason and lastDeliveryOutcome",
      "the system topic's identity lost Storage Queue Data Message Sender on queue",
      `Queues > ${QUEUE} > Access control (IAM)`,
      "the queue was deleted or recreated",
      "storage firewall refused Event Grid",
      "bypass AzureServices",
      "`npx cdktf deploy test` restores the role assignments",
      "delete the dead letters you have examined",
      'README.md#troubleshooting, "Dead letters in eventgrid-deadletter"',
    ]) {
      expect([part, r.fix!.includes(part)]).toEqual([part, true]);
    }
    expect(exitCodeOf(results)).toBe(EXIT_CODES.passed);
    expect(exitCodeOf(results, true)).toBe(EXIT_CODES.warnings);
  });

  test("dead letters beyond the listing limit: 'at least N', and the newest of those listed", async () => {
    const cut = byCheck(await verify(troubled(), endpoints({ deadLetterListLimit: 2 })))["dead-letters"]!;
    expect(cut.message).toMatch(new RegExp(`^At least 2 dead letters \\(the listing stopped at 2\\) in container ${DEAD_LETTER_CONTAINER_NAME}: `));
    expect(cut.message).toContain(`The newest of those listed, ${DEAD_LETTER_NEWEST}, was written`);
    // A limit the container does not exceed is no cut.
    const whole = byCheck(await verify(troubled(), endpoints({ deadLetterListLimit: 3 })))["dead-letters"]!;
    expect(whole.message).toMatch(/^3 dead letters in container /);
  });

  test("dead letters the application may not read (403 AuthorizationPermissionMismatch, the default role scope): skipped by design, with the other ways to look, exit code 0 even under strict", async () => {
    const before = { refused: eventsOnly.refused.length, forwarded: eventsOnly.forwarded.length };
    const results = await verify(inputs(APPS.good), endpoints({ blobEndpoint: `${eventsOnly.origin}/{account}` }));
    expect(statuses(results)).toEqual([
      "credentials:pass",
      "consent:pass",
      "defender-api:pass",
      "queue:pass",
      "events:pass",
      "queue-age:pass",
      "dead-letters:skip",
    ]);
    // Through the proxy: the events listing reached Azurite, the dead-letter listing was refused.
    expect(eventsOnly.forwarded.slice(before.forwarded).some((l) => l.startsWith(`GET /${FULL_ACCOUNT}/${NETWORK_EVENTS_CONTAINER_NAME}`))).toBe(true);
    expect(eventsOnly.refused.slice(before.refused).some((l) => l.startsWith(`GET /${FULL_ACCOUNT}/${DEAD_LETTER_CONTAINER_NAME}`))).toBe(true);
    const r = byCheck(results)["dead-letters"]!;
    expect(r.warning).toBeUndefined();
    expect(r.message).toBe(
      `Not checked: the application may not list container ${DEAD_LETTER_CONTAINER_NAME} (403 AuthorizationPermissionMismatch). That is by design: ` +
        `the integration grants Xshield's identity Storage Blob Data Reader on container ${NETWORK_EVENTS_CONTAINER_NAME} only, unless ` +
        'dataRoleScope is "account". (With dataRoleScope "account", the role may still be taking effect after a deploy: wait up to 10 minutes.)',
    );
    expect(r.fix).toContain(`Azure portal > storage account ${FULL_ACCOUNT} > Containers > ${DEAD_LETTER_CONTAINER_NAME}`);
    expect(r.fix).toContain("an identity with Storage Blob Data Reader on the account or that container");
    expect(r.fix).toContain(`\`az storage blob list --auth-mode login --account-name ${FULL_ACCOUNT} --container-name ${DEAD_LETTER_CONTAINER_NAME} `);
    expect(exitCodeOf(results)).toBe(0);
    expect(exitCodeOf(results, true)).toBe(0);
    expect(formatReport(results).at(-1)).toMatch(/^6 of 7 checks passed, 1 not run: the integration is ready to activate/);
  });

  test("a dead letter whose name quotes the secret: scrubbed before the name is shortened, no piece of it left", async () => {
    const values = inputs(APPS.deadName, { storageAccountName: LEAKY_ACCOUNT });
    const results = await verify(values);
    const r = byCheck(results)["dead-letters"]!;
    // Counts and booleans only: a failing assertion must not print the secret.
    expect(r.message).toMatch(/^1 dead letter in container eventgrid-deadletter: a notification Event Grid could not deliver to queue \S+, so Xshield was never told about that blob\. /);
    expect({
      warning: r.warning,
      hiddenThenCut: r.message.includes("[client se…"),
      leaks: secretLeaks(shown(results), APPS.deadName.secret),
    }).toEqual({ warning: true, hiddenThenCut: true, leaks: [] });
    for (const mode of [[], ["--json"]]) {
      const run = await cli(["dev", ...mode, "--outputs-file", outputsFile(APPS.deadName, { storage_account_name: LEAKY_ACCOUNT }), ...endpointFlags()]);
      expect({ mode, leaks: secretLeaks([...run.out, ...run.err].join("\n"), APPS.deadName.secret) }).toEqual({ mode, leaks: [] });
    }
  });

  test("queue age: an old message nothing has received is a warning naming Xshield's side (activation, secret, egress IPs)", async () => {
    const threeHoursLater = () => new Date(Date.now() + 3 * 3_600_000);
    const results = await verify(inputs(APPS.good), endpoints({ now: threeHoursLater }));
    const r = byCheck(results)["queue-age"]!;
    expect([r.status, r.warning]).toEqual(["pass", true]);
    expect(r.message).toMatch(
      new RegExp(
        `^The oldest of the one message waiting in queue ${QUEUE} was inserted 3 h( \\d+ min)? ago \\(${ISO}\\)\\. ` +
          "It has waited more than 1 h \\(--max-queue-age-minutes\\): Xshield is not draining the queue\\. Nothing has received it\\.$",
      ),
    );
    for (const part of [
      "Xshield is not reading.",
      "the integration is activated in Xshield",
      "`npm run xshield-values -- test`",
      "egress IP addresses (from ColorTokens) are in allowedIpRanges",
      "403 AuthorizationFailure",
      "README.md#troubleshooting",
    ]) {
      expect([part, r.fix!.includes(part)]).toEqual([part, true]);
    }
    expect(exitCodeOf(results, true)).toBe(EXIT_CODES.warnings);
  });

  test("queue age: the limit is maxQueueAgeMinutes; at or under it, a pass that says the limit", async () => {
    const threeHoursLater = () => new Date(Date.now() + 3 * 3_600_000);
    const roomy = byCheck(await verify(inputs(APPS.good), endpoints({ now: threeHoursLater, maxQueueAgeMinutes: 240 })))["queue-age"]!;
    expect([roomy.status, roomy.warning]).toEqual(["pass", undefined]);
    expect(roomy.message).toMatch(/ Within the limit of 4 h\.$/);
    const twoMinutesLater = () => new Date(Date.now() + 2 * 60_000);
    const tight = byCheck(await verify(inputs(APPS.good), endpoints({ now: twoMinutesLater, maxQueueAgeMinutes: 1 })))["queue-age"]!;
    expect(tight.warning).toBe(true);
    expect(tight.message).toContain("It has waited more than 1 min (--max-queue-age-minutes)");
    expect(DEFAULT_MAX_QUEUE_AGE_MINUTES).toBe(60);
  });

  test("queue age: a message received but never deleted points at Xshield failing after it took the notification", async () => {
    const fresh = byCheck(await verify(troubled()))["queue-age"]!;
    expect([fresh.status, fresh.warning]).toEqual(["pass", undefined]);
    expect(fresh.message).toMatch(/was inserted \d+ s ago \([^)]+\), received 1 time without being deleted\. Within the limit of 1 h\.$/);

    const old = byCheck(await verify(troubled(), endpoints({ now: () => new Date(Date.now() + 2 * 3_600_000) })))["queue-age"]!;
    expect(old.warning).toBe(true);
    expect(old.message).toContain("received 1 time without being deleted");
    expect(old.message).not.toContain("Nothing has received it");
    expect(old.fix).toMatch(/^A reader takes the notification but never deletes it/);
    expect(old.fix).toMatch(/give ColorTokens support the message id [0-9a-f-]{36}\./);
  });

  test("maxQueueAgeMinutes and deadLetterListLimit must be whole numbers, 1 or more", async () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(verifyIntegration(inputs(APPS.good), endpoints({ maxQueueAgeMinutes: bad }))).rejects.toThrow(
        /^maxQueueAgeMinutes must be a whole number, 1 or more/,
      );
      await expect(verifyIntegration(inputs(APPS.good), endpoints({ deadLetterListLimit: bad }))).rejects.toThrow(VerifyOptionsError);
    }
  });
});

describe("verify CLI for schedules: --max-queue-age-minutes and --strict", () => {
  const troubledFile = (a: FakeApp = APPS.good) => outputsFile(a, { storage_account_name: TROUBLED_ACCOUNT });
  const checkLines = (run: Run) => run.out.filter((l) => /^[✓⚠✗-] /.test(l));

  test("--max-queue-age-minutes must be a whole number of minutes, 1 or more: otherwise exit code 2 before any request, in text and JSON", async () => {
    for (const bad of ["0", "-1", "1.5", "abc", "1e3", " 5", "+5"]) {
      const before = entra.requests.length;
      const args = ["dev", "--outputs-file", outputsFile(APPS.good), ...endpointFlags(), `--max-queue-age-minutes=${bad}`];
      const text = await cli(args);
      const json = await cli([...args, "--json"]);
      const problem = `--max-queue-age-minutes must be a whole number of minutes, 1 or more (got "${bad}").`;
      expect([bad, text.code, text.out, text.err]).toEqual([bad, 2, [], [`verify: ${problem}`, USAGE]]);
      expect([bad, json.code, json.err, JSON.parse(json.out.join("\n"))]).toEqual([bad, 2, [], { error: problem, exitCode: 2 }]);
      expect(entra.requests.length).toBe(before);
    }
    expect((await cli(["dev", "--max-queue-age-minutes"])).err[0]).toBe("verify: --max-queue-age-minutes needs a value.");
  });

  test("--max-queue-age-minutes sets the limit the oldest queue message is held to", async () => {
    const threeHoursLater = () => new Date(Date.now() + 3 * 3_600_000);
    const file = outputsFile(APPS.good);
    const byDefault = await cli(["dev", "--json", "--outputs-file", file, ...endpointFlags()], { now: threeHoursLater });
    const roomy = await cli(["dev", "--json", "--outputs-file", file, ...endpointFlags(), "--max-queue-age-minutes", "240"], { now: threeHoursLater });
    const age = (run: Run) => (JSON.parse(run.out[0]!) as CheckResult[]).find((r) => r.check === "queue-age")!;
    expect([age(byDefault).warning, age(roomy).warning]).toEqual([true, undefined]);
    expect(age(roomy).message).toMatch(/ Within the limit of 4 h\.$/);
  });

  test("--strict: a warning makes the exit code 3, in text and --json; without --strict it is 0", async () => {
    const file = troubledFile();
    const plain = await cli(["dev", "--outputs-file", file, ...endpointFlags()]);
    const strict = await cli(["dev", "--strict", "--outputs-file", file, ...endpointFlags()]);
    const json = await cli(["dev", "--json", "--strict", "--outputs-file", file, ...endpointFlags()]);
    const jsonPlain = await cli(["dev", "--json", "--outputs-file", file, ...endpointFlags()]);
    expect([plain.code, strict.code, json.code, jsonPlain.code]).toEqual([0, 3, 3, 0]);

    expect(checkLines(strict).filter((l) => l.startsWith("⚠ "))).toEqual([expect.stringMatching(/^⚠ Dead letters \(eventgrid-deadletter\): 3 dead letters in container/)]);
    expect(plain.out.at(-1)).toMatch(/^All 7 checks passed \(1 warning\): the integration is ready to activate/);
    expect(strict.out.slice(-2)).toEqual([plain.out.at(-1), "--strict: the warning makes the exit code 3."]);

    // --json: the same array shape, the exit code is the process's only signal.
    expect(json.err).toEqual([]);
    expect(json.out).toHaveLength(1);
    const report = JSON.parse(json.out[0]!) as CheckResult[];
    expect(report.map((r) => r.check)).toEqual([...CHECK_IDS]);
    for (const r of report) expect(Object.keys(r).every((k) => ["check", "status", "message", "fix", "warning"].includes(k))).toBe(true);
    expect(report.filter((r) => r.warning).map((r) => r.check)).toEqual(["dead-letters"]);
    // --strict changes the exit code only, not the report.
    expect(statuses(report)).toEqual(statuses(JSON.parse(jsonPlain.out[0]!) as CheckResult[]));
  });

  test("--strict: a failure is still exit code 1, whatever the warnings", async () => {
    const file = troubledFile(APPS.noConsent);
    for (const mode of [[], ["--json"]]) {
      const run = await cli(["dev", "--strict", ...mode, "--outputs-file", file, ...endpointFlags()]);
      expect([mode, run.code]).toEqual([mode, 1]);
    }
  });

  test("--strict: dead letters skipped by design count as nothing; all else passing, exit code 0", async () => {
    const flags = [...endpointFlags(), "--blob-endpoint", `${eventsOnly.origin}/{account}`];
    const text = await cli(["dev", "--strict", "--outputs-file", outputsFile(APPS.good), ...flags]);
    expect(text.code).toBe(0);
    expect(checkLines(text).filter((l) => !l.startsWith("✓ "))).toEqual([expect.stringMatching(/^- Dead letters \(eventgrid-deadletter\): Not checked: .* by design/)]);
    expect(text.out.some((l) => l.startsWith("    Fix: Check the dead letters another way: Azure portal > storage account"))).toBe(true);
    expect(text.out.at(-1)).toMatch(/^6 of 7 checks passed, 1 not run: the integration is ready to activate/);
    const json = await cli(["dev", "--json", "--strict", "--outputs-file", outputsFile(APPS.good), ...flags]);
    expect(json.code).toBe(0);
    const deadLetters = (JSON.parse(json.out[0]!) as CheckResult[]).find((r) => r.check === "dead-letters")!;
    expect([deadLetters.status, deadLetters.warning, typeof deadLetters.fix]).toEqual(["skip", undefined, "string"]);
  });

  test("the usage names --strict, --max-queue-age-minutes and exit code 3", async () => {
    const help = (await cli(["--help"])).out.join("\n");
    expect(help).toContain("[--json] [--strict]");
    expect(help).toContain("[--max-queue-age-minutes <n>]");
    expect(help).toContain("default 60");
    expect(help).toContain("Exit code: 0 all checks passed, 1 a check failed, 2 verify could not run, 3 warnings under --strict.");
  });
});

// ---- The CLI as a process: what a user's terminal or a CI log gets ------------------------------

describe("verify as a process", () => {
  const verifyRun = verifyProcess();

  test("NODE_DEBUG=http: exit code 2, the reason on stderr, no request sent, no secret or token printed", async () => {
    const before = entra.requests.length;
    const args = ["dev", "--outputs-file", outputsFile(APPS.good), ...endpointFlags()];
    const text = await verifyRun.run(args, { NODE_DEBUG: "http" });
    const json = await verifyRun.run([...args, "--json"], { NODE_DEBUG: "HTTPS,fs" });
    everythingPrinted.push(text.stdout, text.stderr, json.stdout, json.stderr);
    // Counts and booleans only: had it run, stderr would hold a bearer token.
    expect({
      code: text.code,
      stdout: text.stdout,
      refused: /^verify: NODE_DEBUG="http" .*unset NODE_DEBUG/.test(text.stderr),
      stderrLines: text.stderr.trimEnd().split("\n").length,
      bearerToken: /Bearer\s+eyJ/i.test(text.stderr),
      leaks: secretLeaks(text.stdout + text.stderr, APPS.good.secret),
    }).toEqual({ code: 2, stdout: "", refused: true, stderrLines: 1, bearerToken: false, leaks: [] });
    expect({ code: json.code, stderr: json.stderr.length }).toEqual({ code: 2, stderr: 0 });
    expect(JSON.parse(json.stdout)).toEqual({ error: expect.stringMatching(/^NODE_DEBUG="HTTPS,fs" turns on .* for https,/), exitCode: 2 });
    expect(entra.requests.length).toBe(before);
  });

  test("--strict, as a scheduled pipeline runs it: exit code 3 on a warning, one JSON report on stdout, nothing on stderr, no secret", async () => {
    const file = outputsFile(APPS.good, { storage_account_name: TROUBLED_ACCOUNT });
    const json = await verifyRun.run(["dev", "--strict", "--json", "--outputs-file", file, ...endpointFlags()]);
    const text = await verifyRun.run(["dev", "--strict", "--outputs-file", file, ...endpointFlags()]);
    everythingPrinted.push(json.stdout, json.stderr, text.stdout, text.stderr);
    expect({ code: json.code, stderr: json.stderr, leaks: secretLeaks(json.stdout + text.stdout, APPS.good.secret) }).toEqual({ code: 3, stderr: "", leaks: [] });
    expect(statuses(JSON.parse(json.stdout) as CheckResult[])).toEqual([
      "credentials:pass",
      "consent:pass",
      "defender-api:pass",
      "queue:pass",
      "events:pass",
      "queue-age:pass",
      "dead-letters:pass(warning)",
    ]);
    expect({ code: text.code, stderr: text.stderr, last: text.stdout.trimEnd().split("\n").at(-1) }).toEqual({
      code: 3,
      stderr: "",
      last: "--strict: the warning makes the exit code 3.",
    });
  });

  test("with --json, a usage error is JSON on stdout too", async () => {
    const run = await verifyRun.run(["--json", "--bogus"]);
    expect({ code: run.code, stderr: run.stderr, answer: JSON.parse(run.stdout) as unknown }).toEqual({
      code: 2,
      stderr: "",
      answer: { error: "unknown option --bogus.", exitCode: 2 },
    });
  });
});

// Declared last, so it runs last (jest runs a file's tests in declaration order).
describe("after every run above", () => {
  test("no secret ever appears in anything verify printed or returned", () => {
    const printed = [...harness.printed, ...everythingPrinted];
    expect(printed.length).toBeGreaterThan(20);
    const all = printed.join("\n");
    // Whole secrets in every encoding (the message names the secret's index, never the secret)…
    const whole = ALL_SECRETS.flatMap((s, i) => SECRET_ENCODINGS.filter(({ encode }) => all.includes(encode(s))).map(({ name }) => `secret ${i} ${name}`));
    expect(whole).toEqual([]);
  });
});

/** A TCP port on 127.0.0.1 nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
