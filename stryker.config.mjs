// Stryker's configuration for one pass of `npm run mutation` (tools/mutation.mjs sets
// MUTATION_PASS). Each pass mutates one layer of lib/ and runs the suites written for it.
import { PASSES } from "./tools/mutation-passes.mjs";

const pass = PASSES.find((p) => p.name === process.env.MUTATION_PASS) ?? PASSES[0];

export default {
  testRunner: "jest",
  plugins: ["@stryker-mutator/*", "./tools/stryker-message-wording.mjs"],
  ignorers: ["message-wording"],
  // Every suite of the pass runs in the dry run: jest's related-tests search misses suites that
  // reach lib/ through tools/ (the golden files), and per-test coverage already narrows each mutant.
  jest: { projectType: "custom", configFile: "jest.stryker.config.js", enableFindRelatedTests: false },
  mutate: pass.mutate,
  coverageAnalysis: "perTest",
  concurrency: 2,
  timeoutMS: 15000,
  incremental: true,
  incrementalFile: `reports/mutation/${pass.name}.incremental.json`,
  reporters: ["clear-text", "progress-append-only", "json"],
  jsonReporter: { fileName: `reports/mutation/${pass.name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
  thresholds: { high: 95, low: 90, break: null },
};
