// jest globalSetup: the compiled library (dist/) as the sources are now, once before any suite,
// for the suites that read it (the API report, the packed package). A no-op when dist/ is
// current; a type error in any source stops the run, as `tsc --noEmit` before it would.
const { spawnSync } = require("child_process");
const path = require("path");

module.exports = async () => {
  const root = path.resolve(__dirname, "..", "..");
  const run = spawnSync(process.execPath, [path.join(root, "tools", "app.js"), "--build-all"], { cwd: root, encoding: "utf8" });
  if (run.status !== 0) {
    throw new Error(`The build before the tests failed:\n${run.stdout}${run.stderr}`);
  }
};
