/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  moduleFileExtensions: ["ts", "js", "json"],
  // Transpile only: `npm test` type-checks with tsc first.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  // cdktf's matchers (expect(…).toHaveResourceWithProperties) exist only after Testing.setupJest().
  setupFilesAfterEnv: ["<rootDir>/jest.setup.ts"],
};
