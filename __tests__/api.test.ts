import * as fs from "fs";
import * as path from "path";
import { Extractor, ExtractorConfig, ExtractorMessage } from "@microsoft/api-extractor";

// The package's public API is what lib/index.ts exports, as API Extractor reports it. The report,
// api/xshield-mde-cdktf.api.md, is reviewed with every change to it: this test fails when the
// exported API differs from the committed report (`npm run api:update` writes it again) or when
// API Extractor finds a problem (a type the API uses but does not export, a broken {@link}).

const ROOT = path.resolve(__dirname, "..");

describe("the public API", () => {
  test("is the committed report, and API Extractor finds nothing wrong with it", () => {
    // dist/ holds the declarations of the sources as they are now: jest's globalSetup builds it.
    const messages: string[] = [];
    const result = Extractor.invoke(ExtractorConfig.loadFileAndPrepare(path.join(ROOT, "api-extractor.json")), {
      localBuild: false,
      messageCallback: (message: ExtractorMessage) => {
        if (message.logLevel === "warning" || message.logLevel === "error") {
          messages.push(message.formatMessageWithoutLocation());
        }
        message.handled = true;
      },
    });
    // A changed API prints "You have changed the API signature": run npm run api:update and review the diff.
    expect({ changed: result.apiReportChanged, messages: messages.filter((m) => !m.includes("You have changed the public API signature")) }).toEqual({ changed: false, messages: [] });
    expect(result.succeeded).toBe(true);
  });

  test("internals stay out: no guard, rules, capture or CLI helper is exported", () => {
    const report = fs.readFileSync(path.join(ROOT, "api", "xshield-mde-cdktf.api.md"), "utf8");
    const exported = [...report.matchAll(/^export (?:declare )?(?:abstract )?(?:class|const|function|interface|type) (\w+)/gm)].map((m) => m[1]);
    for (const internal of ["reference", "findBaselineViolations", "resolveIntegrationProps", "SKIP_CROSS_STACK_PREPARATION", "guidProblem", "isGuid", "throwIfInvalid", "stackProblems", "grantProblems", "adoptionProblems", "collectWarnings", "describeSynthFailure", "enforce", "findViolations"]) {
      expect(exported).not.toContain(internal);
    }
    expect(exported).toEqual(expect.arrayContaining(["XshieldMdeIntegration", "XshieldMdeStack", "XshieldMdeIntegrationProps", "synthesizeApp", "SecureBaselineError"]));
  });
});
