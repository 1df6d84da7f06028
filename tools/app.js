#!/usr/bin/env node
// The cdktf.json "app" command (`npx cdktf synth` runs it; so does `npm run synth`).
//
// Runs the compiled app, dist/main.js, after making sure dist/ was compiled from the current
// sources: dist/.app-build.json records a hash of every source file the app is built from (main.ts,
// environments.ts, lib/**, found by following main.ts's imports), of the tsconfig files and of the
// installed packages. When any of them changed, the app is type-checked and compiled again with
// TypeScript (the options of tsconfig.build.json, entry main.ts) before it runs; a type error
// stops synthesis, as `ts-node main.ts` would. When nothing changed, checking costs a few
// milliseconds and TypeScript is not loaded.
//
// Plain JavaScript on purpose: it must run before anything is compiled.
//
//   node tools/app.js            check, rebuild if needed, synthesize
//   node tools/app.js --build    check and rebuild if needed, do not synthesize
"use strict";

const fs = require("fs");
const path = require("path");
const crypto = require("crypto");

const ROOT = path.resolve(__dirname, "..");
const ENTRY = "main.ts";
const TSCONFIG = "tsconfig.build.json";
const DIST_MAIN = path.join(ROOT, "dist", "main.js");
const STAMP = path.join(ROOT, "dist", ".app-build.json");
const STAMP_FORMAT = 1;
// Inputs besides the app's own sources: compiler settings and the installed packages (their
// types decide whether the app type-checks). Missing files hash as null.
const EXTRA_INPUTS = ["tsconfig.json", TSCONFIG, "node_modules/.package-lock.json"];

function hashOf(relativePath) {
  let content;
  try {
    content = fs.readFileSync(path.join(ROOT, relativePath));
  } catch {
    return null;
  }
  return crypto.createHash("sha1").update(content).digest("hex");
}

function isFresh() {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(STAMP, "utf8"));
  } catch {
    return false;
  }
  if (stamp.format !== STAMP_FORMAT || typeof stamp.inputs !== "object" || !Array.isArray(stamp.outputs)) {
    return false;
  }
  for (const [file, hash] of Object.entries(stamp.inputs)) {
    if (hashOf(file) !== hash) {
      return false;
    }
  }
  return stamp.outputs.every((file) => fs.existsSync(path.join(ROOT, file)));
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function build() {
  let ts;
  try {
    ts = require("typescript");
  } catch {
    fail(`tools/app.js: ${path.relative(process.cwd(), DIST_MAIN)} is missing or out of date and the "typescript" package is not installed to rebuild it; run npm ci.`);
  }
  const configPath = path.join(ROOT, TSCONFIG);
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => fail(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")),
  });
  // Only the app (main.ts and what it imports), not every file tsconfig.build.json includes:
  // a broken tool script must not stop synthesis.
  const program = ts.createProgram({
    rootNames: [path.join(ROOT, ENTRY)],
    options: { ...parsed.options, noEmitOnError: true },
    projectReferences: parsed.projectReferences,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const host = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => process.cwd(),
      getNewLine: () => "\n",
    };
    const format = process.stderr.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
    process.stderr.write(format(errors, host));
    fail(`tools/app.js: ${errors.length} type error(s) in the app; nothing was synthesized.`);
  }
  const outputs = [];
  const result = program.emit(undefined, (fileName, text, writeBOM) => {
    ts.sys.writeFile(fileName, text, writeBOM);
    outputs.push(path.relative(ROOT, fileName));
  });
  if (result.emitSkipped) {
    fail("tools/app.js: TypeScript skipped the emit; nothing was synthesized.");
  }
  const sources = program
    .getSourceFiles()
    .filter((sf) => !sf.isDeclarationFile && !program.isSourceFileFromExternalLibrary(sf))
    .map((sf) => path.relative(ROOT, sf.fileName));
  const inputs = {};
  for (const file of [...sources, ...EXTRA_INPUTS]) {
    inputs[file] = hashOf(file);
  }
  // Written last and atomically: a build that failed or was interrupted leaves no stamp, so the
  // next run builds again.
  const tmp = `${STAMP}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ format: STAMP_FORMAT, inputs, outputs }, null, 2)}\n`);
  fs.renameSync(tmp, STAMP);
}

function buildIfStale() {
  if (!isFresh()) {
    try {
      fs.rmSync(STAMP, { force: true });
    } catch {
      // read-only dist: the build below reports the problem
    }
    build();
  }
}

buildIfStale();
if (!process.argv.includes("--build")) {
  // From a fresh stack rather than from inside this module's top level: cdktf records a full
  // stack trace for every token it creates, so each extra frame here costs time on every token.
  setImmediate(() => require(DIST_MAIN));
}
