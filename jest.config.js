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
  // cdktf's matchers (expect(…).toHaveResourceWithProperties) exist only after Testing.setupJest().
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup-jest.ts"],
};
