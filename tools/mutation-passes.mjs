// The passes of `npm run mutation`: each mutates one layer of lib/ and runs the suites written to
// catch its mistakes (MUTATION_TESTS for jest.stryker.config.js). A narrower set of suites can only
// lower a score, never flatter it.
export const PASSES = [
  {
    name: "rules",
    mutate: ["lib/rules.ts", "lib/validation.ts"],
    tests: ["rules", "validation", "alerts", "stack", "tokens", "integration"],
  },
  {
    name: "guard",
    mutate: ["lib/baseline-guard.ts", "lib/written-json.ts"],
    tests: ["baseline-guard", "baseline-guard-items", "written-json", "alerts", "tokens", "integration"],
  },
  {
    name: "construct",
    mutate: [
      "lib/xshield-mde-integration.ts",
      "lib/secret-rotation.ts",
      "lib/xshield-mde-stack.ts",
      "lib/app.ts",
      "lib/synth.ts",
      "lib/props.ts",
      "lib/constants.ts",
      "lib/terraform-blocks.ts",
      "lib/index.ts",
    ],
    tests: [],
  },
];
