// The jest configuration of a pass of `npm run mutation` (tools/mutation.mjs): the suites that
// pass names in MUTATION_TESTS, else every suite that runs lib/ in the jest process. Never the
// suites that test the tools (verify, xshield-values, deployed outputs, HCL) or run the app in a
// child process (module loading, the app command, a path install): a mutant of lib/ is active only
// in the jest process, so they cannot kill one.
const base = require("./jest.config.js");

const selected = (process.env.MUTATION_TESTS ?? "").split(",").filter((name) => name !== "");

module.exports = {
  ...base,
  // A mutant lives in the jest process only: nothing a pass runs reads dist/.
  globalSetup: undefined,
  ...(selected.length > 0 ? { testMatch: selected.map((name) => `**/__tests__/${name}.test.ts`) } : {}),
  testPathIgnorePatterns: [
    "/node_modules/",
    "/__tests__/verify\\.test\\.ts$",
    "/__tests__/xshield-values\\.test\\.ts$",
    "/__tests__/deployed-outputs\\.test\\.ts$",
    "/__tests__/hcl\\.test\\.ts$",
    "/__tests__/module-loading\\.test\\.ts$",
    "/__tests__/app-command\\.test\\.ts$",
    "/__tests__/path-install\\.test\\.ts$",
    "/__tests__/api\\.test\\.ts$",
    "/__tests__/package\\.test\\.ts$",
  ],
};
