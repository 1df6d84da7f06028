/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // TypeScript first: a stray compiled .js next to a .ts must never shadow it.
  moduleFileExtensions: ["ts", "js", "json"],
  // Transpile only: `tsc --noEmit` type-checks once, before jest runs.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  modulePathIgnorePatterns: ["<rootDir>/dist", "<rootDir>/cdktf.out", "<rootDir>/examples"],
  // cdktf's and constructs' token call stacks, which only debugging reads, captured under jest's
  // source maps are most of the time it takes to build an integration: see the stub, and
  // __tests__/token-traces.test.ts, which fails the day cdktf or constructs change under it.
  moduleNameMapper: { "^\\.{1,2}/(?:.*/)?stack-trace$": "<rootDir>/__tests__/support/no-token-traces.js" },
  // jest's default of one worker fewer than the cores leaves one core idle on a two-core machine.
  maxWorkers: 2,
  // No test or hook may depend on jest's 5-second default under load: each one that needs more
  // says so, and nothing else gets near this.
  testTimeout: 30_000,
  // cdktf's matchers (expect(…).toHaveResourceWithProperties) exist only after Testing.setupJest().
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup-jest.ts"],
  // dist/ compiled once from the current sources, for the suites that read it (api, package).
  globalSetup: "<rootDir>/__tests__/support/build-dist.js",
};
