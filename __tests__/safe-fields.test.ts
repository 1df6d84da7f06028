import {
  AADSTS_DESCRIPTIONS,
  aadstsDescription,
  describeFailure,
  entraFailure,
  httpFailure,
  safeCode,
  safeId,
  tokenFailure,
} from "../lib/cli/safe-fields";

// What verify may print of a server's answer: fields of a fixed shape or from a fixed list only.

const GUID = "0000aaaa-11bb-cccc-dd33-eeeeee333333";
const GUID2 = "aaaa0000-bb11-2222-33cc-444444dddddd";
const FREE_TEXT = "AADSTS7000215: Invalid client secret provided. You sent 'c2VjcmV0' and \"73656372657421\".";

describe("safe fields of a failure", () => {
  test("ids: GUIDs and 16–32 hex digits only", () => {
    for (const id of [GUID, GUID.toUpperCase(), "1e5bc9d7e413ddd7902c2932e418702b", "0123456789abcdef"]) {
      expect([id, safeId(id)]).toEqual([id, id]);
    }
    // Too short or long for an id, base64, a GUID with text around it, hex of a whole secret.
    for (const bad of ["0123456789abcde", "1e5bc9d7e413ddd7902c2932e418702b8", "c2VjcmV0LXZhbHVlLTAx", ` ${GUID}`, `${GUID}x`, "ab".repeat(40), 12, undefined]) {
      expect([bad, safeId(bad)]).toEqual([bad, undefined]);
    }
  });

  test("codes: only those a service documents", () => {
    expect(safeCode("storage", "AuthorizationFailure")).toBe("AuthorizationFailure");
    expect(safeCode("storage", "authorizationfailure")).toBeUndefined();
    expect(safeCode("defender", "AuthorizationFailure")).toBeUndefined();
    expect(safeCode("arm", "AuthorizationFailed")).toBe("AuthorizationFailed");
    expect(safeCode("graph", "Authorization_RequestDenied")).toBe("Authorization_RequestDenied");
    expect(safeCode("graph", FREE_TEXT)).toBeUndefined();
  });

  test("an AADSTS code has Microsoft's fixed description, or the address to look it up", () => {
    // The codes verify's own checks explain (see checks.ts) are in the table.
    for (const code of ["7000215", "7000222", "700016", "90002", "50012", "53003"]) {
      expect([code, code in AADSTS_DESCRIPTIONS]).toEqual([code, true]);
    }
    expect(aadstsDescription("7000222")).toBe("InvalidClientSecretExpiredKeysProvided - The provided client secret keys are expired.");
    expect(aadstsDescription("123456")).toBe("a code verify has no description for: https://login.microsoftonline.com/error?code=123456");
    // Every entry is one fixed sentence, never a template of the server's values.
    expect(Object.values(AADSTS_DESCRIPTIONS).filter((d) => /[{}]|\n/.test(d) || !d.endsWith("."))).toEqual([]);
  });

  test("the token endpoint, from the SDK's text: the OAuth error, the code, the ids; none of the description", () => {
    const text =
      `AuthenticationRequiredError: invalid_client: Error(s): 7000215 - Timestamp: 2026-01-01 00:00:00Z - Description: ${FREE_TEXT} ` +
      `Trace ID: ${GUID} Correlation ID: ${GUID2} Timestamp: 2026-01-01 00:00:00Z - Correlation ID: ${GUID2} - Trace ID: ${GUID}`;
    const failure = tokenFailure(text, 401);
    expect(failure).toEqual({ status: 401, oauthError: "invalid_client", aadsts: "7000215", ids: [{ name: "trace id", value: GUID }, { name: "correlation id", value: GUID2 }] });
    expect(describeFailure(failure)).toBe(
      `HTTP 401, invalid_client, AADSTS7000215 (Invalid client secret is provided.), trace id ${GUID}, correlation id ${GUID2}`,
    );
    // An "error" that is no OAuth error, and ids of another shape, are left out.
    expect(tokenFailure(`c2VjcmV0: Error(s): 50012 - Description: x Trace ID: c2VjcmV0LXZhbHVlLTAx`)).toEqual({ aadsts: "50012", ids: [] });
    expect(tokenFailure("network_error: network_error")).toEqual({ ids: [] });
  });

  test("Entra's JSON error body: error, error_codes, trace and correlation ids; never error_description", () => {
    const body = { error: "invalid_tenant", error_description: FREE_TEXT, error_codes: [90002], trace_id: GUID, correlation_id: GUID2 };
    expect(describeFailure(entraFailure(400, body))).toBe(
      `HTTP 400, AADSTS90002 (InvalidTenantName - The tenant name wasn't found in the data store.), trace id ${GUID}, correlation id ${GUID2}`,
    );
    expect(entraFailure(400, { error: "invalid_request", error_codes: ["7000215; drop table"] })).toEqual({ status: 400, oauthError: "invalid_request", ids: [] });
  });

  test("a service's JSON error body and headers: the documented code and the request ids only", () => {
    const defender = httpFailure("defender", 403, { "content-type": "application/json" }, { error: { code: "Forbidden", message: FREE_TEXT, target: GUID } });
    expect(describeFailure(defender)).toBe(`HTTP 403, Forbidden, correlation id ${GUID}`);
    const graph = httpFailure("graph", 404, { "request-id": GUID, "client-request-id": GUID2 }, { error: { code: "Request_ResourceNotFound", message: FREE_TEXT, innerError: { "request-id": GUID } } });
    expect(describeFailure(graph)).toBe(`HTTP 404, Request_ResourceNotFound, request id ${GUID}, client request id ${GUID2}`);
    const arm = httpFailure("arm", 403, new Map([["x-ms-request-id", GUID], ["x-ms-correlation-request-id", GUID2]]), { error: { code: "AuthorizationFailed", message: FREE_TEXT } });
    expect(describeFailure(arm)).toBe(`HTTP 403, AuthorizationFailed, request id ${GUID}, correlation id ${GUID2}`);
    // Free text where a code belongs, a status out of range, a body that is no object: nothing of them.
    expect(httpFailure("storage", 999, {}, { error: { code: FREE_TEXT } })).toEqual({ ids: [] });
    expect(httpFailure("storage", 500, undefined, FREE_TEXT)).toEqual({ status: 500, ids: [] });
  });
});
