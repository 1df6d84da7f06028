/**
 * verify against servers that quote the client secret back in their errors: the token endpoint,
 * the Defender API and storage (and so any proxy on the way). verify prints only fields known to
 * be safe of such an answer (lib/cli/safe-fields.ts), never the server's text, so no encoding of
 * the secret can reach its output: neither the ones the scrubber knows nor base64, base64 of
 * `client_id:secret`, hex, URL-encoded twice, upper-cased or reversed. The tests assert that the
 * server's text itself is absent, not only the secret.
 *
 * Its own fakes (no Azurite): a fake Entra ID and Defender API and a storage endpoint that
 * answers every request with an error quoting the secret. Shares the cast and the harness with
 * verify.test.ts (support/verify-harness.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CheckResult, formatReport } from "../lib/cli/checks";
import { FakeApp, FakeEntra, startFakeEntra } from "./support/fake-entra";
import { FakeStorage, startFakeStorage } from "./support/fake-storage";
import { DESCRIPTION_START, longDescription, SECRET_ENCODINGS, SecretEncoding, secretLeaks, UNSCRUBBED_ENCODINGS } from "./support/secret-echo";
import { createTestCertificate, TestCertificate } from "./support/tls-cert";
import { app, byCheck, FULL_ACCOUNT, secret, statuses, VerifyHarness, verifyProcess } from "./support/verify-harness";

jest.setTimeout(30_000);

/**
 * The secret of the apps whose servers quote it back: characters each encoding writes differently
 * (~ space " + / \ é), then random ones.
 */
const ECHO_SECRET = `Zq~ "+/\\é${randomBytes(18).toString("base64url")}`;
/**
 * How much description comes before the quoted secret: 250, 275 and 330 characters, on either side
 * of the 300 at which verify once shortened a quoted text (a cut inside the secret left a piece
 * no scrubber recognised). No server text is printed now, whatever its length.
 */
const ECHO_AFTER = [250, 275, 330] as const;
type Server = "token" | "defender";
type Field = "description" | "code";
const echoKey = (at: Server, encoding: SecretEncoding, after: number, field: Field) => `${at} ${encoding.name} ${after} ${field}`;
const ALL_ENCODINGS = [...SECRET_ENCODINGS, ...UNSCRUBBED_ENCODINGS];
/**
 * One app per server, encoding, description length and field, all with ECHO_SECRET: the known
 * encodings at every length in the description, the others at one length, in the description and
 * where a fixed code belongs.
 */
const ECHO_APPS = new Map(
  (["token", "defender"] as const).flatMap((at) => [
    ...SECRET_ENCODINGS.flatMap((encoding) => ECHO_AFTER.map((after) => [encoding, after, "description"] as const)),
    ...UNSCRUBBED_ENCODINGS.flatMap((encoding) => (["description", "code"] as const).map((field) => [encoding, ECHO_AFTER[1], field] as const)),
  ].map(([encoding, after, field]) => [
    echoKey(at, encoding, after, field),
    app("echo", { secret: ECHO_SECRET, echoSecret: { at, after, encode: encoding.encode, field } }),
  ] as const)),
);
const echoApp = (at: Server, encoding: SecretEncoding, after: number, field: Field = "description"): FakeApp =>
  ECHO_APPS.get(echoKey(at, encoding, after, field))!;
/** A misbehaving token endpoint that quotes the wrong secret it received (see FakeApp.echoSecretInErrors). */
const ECHOING = app("echoing", { echoSecretInErrors: true });
const WRONG_SECRET = secret("wrong");

/** What the echoing storage fake says in its error, and the code it sends; set before each run. */
let storageEcho = { message: "", code: undefined as string | undefined };

/**
 * The texts that are a server's own words: the echo's description, and the fake Entra's
 * descriptions of the codes these tests meet. None may be printed.
 */
const SERVER_TEXTS = [DESCRIPTION_START, "Authentication failed for client secret", "Client authentication failed at the fake", "Bad request."];
/** Which of the servers' texts appear (by their index; a failing test prints no secret). */
const serverTexts = (text: string): number[] => SERVER_TEXTS.flatMap((t, i) => (text.includes(t) ? [i] : []));
/** Where texts hold a piece (8+ characters) of ECHO_SECRET in any encoding; says where, never what. */
const echoLeaks = (text: string, clientId?: string): string[] => secretLeaks(text, ECHO_SECRET, clientId);
/** Both ways verify shows results: the --json array and the printed report. */
const shown = (results: readonly CheckResult[]): string => `${JSON.stringify(results, null, 2)}\n${formatReport(results).join("\n")}`;

let cert: TestCertificate;
let entra: FakeEntra;
let echoStorage: FakeStorage;
let workDir: string;
let harness: VerifyHarness;
const everythingPrinted: string[] = [];

beforeAll(async () => {
  cert = createTestCertificate();
  workDir = mkdtempSync(join(tmpdir(), "verify-echo-"));
  [entra, echoStorage] = await Promise.all([
    startFakeEntra({ certPem: cert.certPem, keyPem: cert.keyPem, apps: [...ECHO_APPS.values(), ECHOING] }),
    startFakeStorage({
      certPem: cert.certPem,
      keyPem: cert.keyPem,
      account: FULL_ACCOUNT,
      status: 400,
      errorCode: "InvalidQueryParameterValue",
      message: () => storageEcho.message,
      code: () => storageEcho.code,
    }),
  ]);
  harness = new VerifyHarness(cert, entra, workDir, { blob: echoStorage.endpoint, queue: echoStorage.endpoint });
});

afterAll(async () => {
  await Promise.all([entra?.close(), echoStorage?.close()]);
  cert?.remove();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** The storage fake's error for this test: the description then the secret, or the secret as its code. */
function echoFromStorage(encoding: SecretEncoding, after: number, field: Field, clientId: string): void {
  const echoed = encoding.encode(ECHO_SECRET, clientId);
  storageEcho = field === "code" ? { message: "The request failed.", code: echoed } : { message: `${longDescription(after)}${echoed}.`, code: undefined };
}

// The assertions compare booleans, counts and indexes only: a failing one must not print the secret.

describe.each(SECRET_ENCODINGS.map((encoding) => [encoding.name, encoding] as const))("a secret a server quotes back %s", (_name, encoding) => {
  test("by the token endpoint, after a long description: neither the secret nor the server's text is printed", async () => {
    for (const after of ECHO_AFTER) {
      const a = echoApp("token", encoding, after);
      const results = await harness.verify(harness.inputs(a));
      const credentials = byCheck(results).credentials!;
      expect({ after, status: credentials.status, aadsts: credentials.message.includes("AADSTS50012"), leaks: echoLeaks(shown(results), a.clientId), texts: serverTexts(shown(results)) }).toEqual({
        after,
        status: "fail",
        aadsts: true,
        leaks: [],
        texts: [],
      });
      // Microsoft's own description of the code, from verify's table, instead.
      expect(credentials.message).toContain("AADSTS50012: AuthenticationFailed - Authentication failed");
    }
  });

  test("by the Defender API and storage, after a long description: neither the secret nor the server's text is printed", async () => {
    for (const after of ECHO_AFTER) {
      const a = echoApp("defender", encoding, after);
      storageEcho = { message: `${longDescription(after)}${encoding.encode(ECHO_SECRET)}.`, code: undefined };
      const results = await harness.verify(harness.inputs(a));
      expect({ after, statuses: statuses(results), leaks: echoLeaks(shown(results), a.clientId), texts: serverTexts(shown(results)) }).toEqual({
        after,
        statuses: ["credentials:pass", "consent:pass", "defender-api:fail", "queue:fail", "events:fail", "queue-age:skip", "dead-letters:fail"],
        leaks: [],
        texts: [],
      });
      // What is printed instead: the status, the documented code, the request ids.
      const r = byCheck(results);
      expect(r["defender-api"]!.message).toMatch(/^GET \/api\/machines\?\$top=1 answered 400, BadRequest, correlation id [0-9a-f-]{36}\.$/);
      expect(r.events!.message).toMatch(/^Container insights-logs-advancedhunting-devicenetworkevents answered \(HTTP 400, InvalidQueryParameterValue, request id [0-9a-f-]{36}\)\.$/);
    }
  });
});

describe.each(UNSCRUBBED_ENCODINGS.map((encoding) => [encoding.name, encoding] as const))("a secret a server quotes back in an encoding no scrubber knows: %s", (_name, encoding) => {
  test.each(["description", "code"] as const)("in its %s: by the token endpoint, the Defender API and storage, in the report and --json", async (field) => {
    const token = echoApp("token", encoding, ECHO_AFTER[1], field);
    const defender = echoApp("defender", encoding, ECHO_AFTER[1], field);
    // A storage error code travels in a header: only the encodings a header can carry go there.
    const storageField = field === "code" && !/^[\x20-\x7e]*$/.test(encoding.encode(ECHO_SECRET, defender.clientId)) ? "description" : field;
    echoFromStorage(encoding, ECHO_AFTER[1], storageField, defender.clientId);
    const results = [...(await harness.verify(harness.inputs(token))), ...(await harness.verify(harness.inputs(defender)))];
    const texts = [shown(results)];
    for (const a of [token, defender]) {
      for (const mode of [[], ["--json"]]) {
        const run = await harness.cli(["dev", ...mode, "--outputs-file", harness.outputsFile(a), ...harness.endpointFlags()]);
        expect({ mode, code: run.code }).toEqual({ mode, code: 1 });
        texts.push([...run.out, ...run.err].join("\n"));
      }
    }
    const all = texts.join("\n");
    expect({ leaks: [...echoLeaks(all, token.clientId), ...echoLeaks(all, defender.clientId)], texts: serverTexts(all) }).toEqual({ leaks: [], texts: [] });
    expect(statuses(results).filter((s) => s.endsWith(":fail"))).toEqual(["credentials:fail", "defender-api:fail", "queue:fail", "events:fail", "dead-letters:fail"]);
    if (field === "code") {
      // The code is not one Entra, Defender or Azure Storage documents: it is left out.
      const r = byCheck(results.slice(7));
      expect(byCheck(results.slice(0, 7)).credentials!.message).toMatch(/Entra ID's answer: HTTP 401, trace id [0-9a-f-]{36}, correlation id [0-9a-f-]{36}\.$/);
      expect(r["defender-api"]!.message).toMatch(/^GET \/api\/machines\?\$top=1 answered 400, correlation id [0-9a-f-]{36}\.$/);
      if (storageField === "code") expect(r.events!.message).toMatch(/answered \(HTTP 400, request id [0-9a-f-]{36}\)\.$/);
    }
  });
});

describe("the echoes verify met before", () => {
  test("a wrong secret the token endpoint quotes back: the code and its description, not the server's text", async () => {
    const results = await harness.verify(harness.inputs(ECHOING, { clientSecret: WRONG_SECRET }));
    const r = byCheck(results);
    expect(r.credentials!.status).toBe("fail");
    expect(r.credentials!.message).toContain("AADSTS50012");
    expect({ whole: shown(results).includes(WRONG_SECRET), leaks: secretLeaks(shown(results), WRONG_SECRET), texts: serverTexts(shown(results)) }).toEqual({ whole: false, leaks: [], texts: [] });
    const run = await harness.cli(["dev", "--outputs-file", harness.outputsFile(ECHOING, { client_secret: WRONG_SECRET }), ...harness.endpointFlags()]);
    expect({ code: run.code, leaks: secretLeaks(run.out.join("\n"), WRONG_SECRET), texts: serverTexts(run.out.join("\n")) }).toEqual({ code: 1, leaks: [], texts: [] });
  });

  test("the printed report and --json hold no piece of a quoted secret, whatever its encoding", async () => {
    for (const encoding of ALL_ENCODINGS) {
      const a = echoApp("token", encoding, ECHO_AFTER[1]);
      const file = harness.outputsFile(a);
      for (const mode of [[], ["--json"]]) {
        const run = await harness.cli(["dev", ...mode, "--outputs-file", file, ...harness.endpointFlags()]);
        const printed = [...run.out, ...run.err].join("\n");
        expect({ encoding: encoding.name, mode, code: run.code, leaks: echoLeaks(printed, a.clientId), texts: serverTexts(printed) }).toEqual({
          encoding: encoding.name,
          mode,
          code: 1,
          leaks: [],
          texts: [],
        });
      }
    }
  });
});

describe("verify as a process", () => {
  const verifyRun = verifyProcess();

  test("stdout and stderr hold no piece of a secret quoted back by the servers, nor their text", async () => {
    const encoding = UNSCRUBBED_ENCODINGS.find((e) => e.name === "base64 of client_id:secret")!;
    const defender = echoApp("defender", encoding, ECHO_AFTER[1]);
    const token = echoApp("token", encoding, ECHO_AFTER[1]);
    echoFromStorage(encoding, ECHO_AFTER[1], "description", defender.clientId);
    const text = await verifyRun.run(["dev", "--outputs-file", harness.outputsFile(defender), ...harness.endpointFlags()]);
    const json = await verifyRun.run(["dev", "--json", "--outputs-file", harness.outputsFile(token), ...harness.endpointFlags()]);
    everythingPrinted.push(text.stdout, text.stderr, json.stdout, json.stderr);
    const both = (run: { stdout: string; stderr: string }) => `${run.stdout}\n${run.stderr}`;
    expect({ code: text.code, leaks: echoLeaks(both(text), defender.clientId), texts: serverTexts(both(text)), stderr: text.stderr.length }).toEqual({ code: 1, leaks: [], texts: [], stderr: 0 });
    expect(text.stdout.includes(`✗ Defender API access: GET /api/machines?$top=1 answered 400`)).toBe(true);
    expect({ code: json.code, leaks: echoLeaks(both(json), token.clientId), texts: serverTexts(both(json)), stderr: json.stderr.length }).toEqual({ code: 1, leaks: [], texts: [], stderr: 0 });
    expect((JSON.parse(json.stdout) as CheckResult[]).map((r) => r.status)).toEqual(["fail", "skip", "skip", "skip", "skip", "skip", "skip"]);
  });
});

// Declared last, so it runs last (jest runs a file's tests in declaration order).
describe("after every run above", () => {
  test("no piece of a quoted secret, in any encoding, and no server text in anything verify printed or returned", () => {
    const printed = [...harness.printed, ...everythingPrinted];
    expect(printed.length).toBeGreaterThan(40);
    const all = printed.join("\n");
    // Any one client id: all are GUIDs, so base64 of `<client id>:<secret>` writes the secret's part alike for each.
    const clientId = [...ECHO_APPS.values()][0]!.clientId;
    expect({ leaks: echoLeaks(all, clientId), texts: serverTexts(all) }).toEqual({ leaks: [], texts: [] });
    expect(secretLeaks(all, WRONG_SECRET)).toEqual([]);
  });
});
