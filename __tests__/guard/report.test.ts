import { BaselineViolation } from "../../lib/guard/plan";
import { elementNames, excuses, report, SecureBaselineError } from "../../lib/guard/report";
import { BaselineException } from "../../lib/props";

// Exceptions and the error, on hand-made violations.

const REASON = "Reviewed by the security board, SEC-1234.";
const ownViolation: BaselineViolation = {
  rule: "MinimumTls12",
  path: "resource.azurerm_storage_account.sa.min_tls_version",
  message: 'is "TLS1_0"; the baseline requires "TLS1_2" or "TLS1_3".',
  element: { key: "resource.azurerm_storage_account.sa", constructPath: "s/integration/storage-account", own: true },
};
const touch: BaselineViolation = {
  rule: "OutsideThePlan",
  path: "resource.azurerm_monitor_diagnostic_setting.d",
  message: "sends logs and metrics elsewhere and refers to azurerm_storage_account.sa.id (the integration's storage account); nothing outside the integration's plan may touch it.",
  element: { key: "resource.azurerm_monitor_diagnostic_setting.d", constructPath: "s/d", own: false },
};
const local: BaselineViolation = { ...touch, path: "locals.x", element: { key: "local.x", own: false } };
const variable: BaselineViolation = { ...touch, path: "variable.v", element: { key: "variable.v", own: false } };

const errorOf = (violations: BaselineViolation[], exceptions: BaselineException[]) => {
  try {
    report("s/integration", violations, exceptions);
  } catch (error) {
    expect(error).toBeInstanceOf(SecureBaselineError);
    expect((error as Error).name).toBe("SecureBaselineError");
    return (error as Error).message;
  }
  return undefined;
};

describe("what an exception excuses", () => {
  test("a rule alone: that rule on the integration's own elements only", () => {
    expect(excuses({ rule: "MinimumTls12", reason: REASON }, ownViolation)).toBe(true);
    expect(excuses({ rule: "HttpsOnly", reason: REASON }, ownViolation)).toBe(false);
    expect(excuses({ rule: "OutsideThePlan", reason: REASON }, touch)).toBe(false);
  });

  test("an element: everything that element breaks, named by its construct path or its address in any form", () => {
    for (const element of ["s/d", "resource.azurerm_monitor_diagnostic_setting.d", "azurerm_monitor_diagnostic_setting.d"]) {
      expect(excuses({ element, reason: REASON }, touch)).toBe(true);
    }
    expect(excuses({ element: "s/other", reason: REASON }, touch)).toBe(false);
    expect(excuses({ element: "local.x", reason: REASON }, local)).toBe(true);
    expect(excuses({ element: "var.v", reason: REASON }, variable)).toBe(true);
    expect(excuses({ element: "s/integration/storage-account", reason: REASON }, ownViolation)).toBe(true);
    expect(elementNames(touch.element)).toEqual(["resource.azurerm_monitor_diagnostic_setting.d", "azurerm_monitor_diagnostic_setting.d", "s/d"]);
  });

  test("both: that element breaking that rule only", () => {
    expect(excuses({ rule: "OutsideThePlan", element: "s/d", reason: REASON }, touch)).toBe(true);
    expect(excuses({ rule: "SecretLifetime", element: "s/d", reason: REASON }, touch)).toBe(false);
  });
});

describe("the error", () => {
  test("nothing to say: no error", () => {
    expect(errorOf([], [])).toBeUndefined();
    expect(errorOf([ownViolation], [{ rule: "MinimumTls12", reason: REASON }])).toBeUndefined();
  });

  test("a header, a line per violation (the construct path of an element outside the plan), the rules once each, the exceptions to write", () => {
    expect(errorOf([ownViolation, touch, { ...touch, path: `${touch.path}.x` }], [])!.split("\n")).toEqual([
      "Secure baseline violated in s/integration; nothing was synthesized.",
      `  - [MinimumTls12] ${ownViolation.path} ${ownViolation.message}`,
      `  - [OutsideThePlan] ${touch.path} (s/d) ${touch.message}`,
      `  - [OutsideThePlan] ${touch.path}.x (s/d) ${touch.message}`,
      expect.stringMatching(/^Each rule: MinimumTls12: the storage account accepts TLS 1\.2 or newer only \(min_tls_version TLS1_2\); OutsideThePlan: nothing outside the integration's plan .*\.$/),
      'If this is deliberate, add to the baselineExceptions prop of XshieldMdeIntegration, with a reason a reviewer understands: { rule: "MinimumTls12", reason: "…" }, { element: "s/d", reason: "…" }; otherwise remove the override or element that causes it.',
    ]);
  });

  test("an element without a construct path is suggested by its address", () => {
    expect(errorOf([local], [])).toContain('{ element: "local.x", reason: "…" }');
  });

  test("an exception that excuses nothing is an error of its own, listed after the violations; alone, it ends the error", () => {
    const lines = errorOf([ownViolation], [{ rule: "HttpsOnly", reason: REASON }, { element: "s/gone", reason: REASON }])!.split("\n");
    expect(lines.slice(1, 4)).toEqual([
      `  - [MinimumTls12] ${ownViolation.path} ${ownViolation.message}`,
      "  - baselineExceptions[0] (HttpsOnly): nothing it names breaks the baseline, so the exception would only hide a later weakening; remove it.",
      "  - baselineExceptions[1] (s/gone): nothing it names breaks the baseline, so the exception would only hide a later weakening; remove it.",
    ]);
    expect(errorOf([], [{ rule: "HttpsOnly", element: "s/x", reason: REASON }])!.split("\n")).toEqual([
      "Secure baseline violated in s/integration; nothing was synthesized.",
      "  - baselineExceptions[0] (HttpsOnly, s/x): nothing it names breaks the baseline, so the exception would only hide a later weakening; remove it.",
    ]);
  });
});
