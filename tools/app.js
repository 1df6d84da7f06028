#!/usr/bin/env node
// The cdktf.json "app" command (`npx cdktf synth` runs it; so does `npm run synth`), and the
// build step of `npm run build`, `prepare` and the tools (`npm run verify`, `xshield-values`, …).
//
// Runs the compiled app, dist/main.js, after making sure dist/ was compiled from the current
// sources. A build record (a "stamp") holds a hash of every source file a build was made from, of
// the tsconfig files and of the installed packages, and a hash of every file it wrote. When any
// of them changed — a source edited or reverted, or an output rewritten by the other build or by
// hand — TypeScript type-checks and compiles again (the options of tsconfig.build.json); a type
// error stops the command, as `ts-node main.ts` would. When nothing changed, checking costs a few
// milliseconds and TypeScript is not loaded. Only contents count, never times.
//
// Two builds, two records:
// - the app: main.ts and what it imports (environments.ts, lib/**), recorded in
//   dist/.app-build.json. Synthesis builds only this, so a broken tool script never stops it.
// - everything tsconfig.build.json includes (the app and tools/**), recorded in
//   dist/.build.json, with the list of files the include patterns matched (a new tool counts as
//   a change). The full build also writes the app's record, so after `npm ci` (whose prepare
//   runs the full build) neither synthesis nor a tool compiles again.
//
// Plain JavaScript on purpose: it must run before anything is compiled.
//
//   node tools/app.js               check, rebuild the app if needed, synthesize
//   node tools/app.js --build       check and rebuild the app if needed, do not synthesize
//   node tools/app.js --build-all   check and rebuild everything if needed (prepare, npm run build,
//                                   and before each tool: `node tools/app.js --build-all && node dist/tools/<tool>.js`)
"use strict";

const fs = require("fs");
const path = require("path");
const crypto = require("crypto");

const ROOT = path.resolve(__dirname, "..");
const ENTRY = "main.ts";
const TSCONFIG = "tsconfig.build.json";
const DIST_MAIN = path.join(ROOT, "dist", "main.js");
const APP_STAMP = path.join(ROOT, "dist", ".app-build.json");
const ALL_STAMP = path.join(ROOT, "dist", ".build.json");
const STAMP_FORMAT = 3;
// Inputs besides the sources: compiler settings and the installed packages (their types decide
// whether the code type-checks). Missing files hash as null.
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

function toPosix(relativePath) {
  return relativePath.split(path.sep).join("/");
}

/**
 * The files tsconfig.build.json's include patterns match, without loading TypeScript: each
 * pattern is a file ("main.ts") or a folder's TypeScript files ("lib/**\/*.ts"). Returns null for
 * a pattern of any other shape (the full build is then never taken as fresh).
 */
function includedFiles() {
  let include;
  try {
    include = JSON.parse(fs.readFileSync(path.join(ROOT, TSCONFIG), "utf8")).include;
  } catch {
    return null;
  }
  if (!Array.isArray(include)) {
    return null;
  }
  const files = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") {
          walk(relative);
        }
      } else if (entry.name.endsWith(".ts")) {
        files.push(relative);
      }
    }
  };
  for (const pattern of include) {
    const folder = /^([\w.-]+(?:\/[\w.-]+)*)\/\*\*\/\*\.ts$/.exec(pattern);
    if (folder) {
      walk(folder[1]);
    } else if (/^[\w.-]+(?:\/[\w.-]+)*\.ts$/.test(pattern)) {
      if (fs.existsSync(path.join(ROOT, pattern))) {
        files.push(pattern);
      }
    } else {
      return null;
    }
  }
  return [...new Set(files)].sort();
}

function isFresh(stampPath) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampPath, "utf8"));
  } catch {
    return false;
  }
  if (stamp.format !== STAMP_FORMAT || !isObject(stamp.inputs) || !isObject(stamp.outputs)) {
    return false;
  }
  if (stamp.included !== undefined) {
    const now = includedFiles();
    if (now === null || JSON.stringify(now) !== JSON.stringify(stamp.included)) {
      return false;
    }
  }
  // Outputs too: the two builds write some of the same files, so a file this record wrote may
  // since have been rewritten from other sources (edit, build the app, revert: the full build's
  // inputs match again, but dist/ holds the edit).
  return [stamp.inputs, stamp.outputs].every((hashes) => Object.entries(hashes).every(([file, hash]) => hashOf(file) === hash));
}

function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function loadTypeScript() {
  try {
    return require("typescript");
  } catch {
    return fail(`tools/app.js: ${path.relative(process.cwd(), path.join(ROOT, "dist")) || "dist"} is missing or out of date and the "typescript" package is not installed to rebuild it; run npm ci.`);
  }
}

/** Writes a build record, last and atomically: a failed or interrupted build leaves none. */
function writeStamp(stampPath, record) {
  const tmp = `${stampPath}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(stampPath), { recursive: true });
  fs.writeFileSync(tmp, `${JSON.stringify({ format: STAMP_FORMAT, ...record }, null, 2)}\n`);
  fs.renameSync(tmp, stampPath);
}

function removeStamp(stampPath) {
  try {
    fs.rmSync(stampPath, { force: true });
  } catch {
    // read-only dist: the build reports the problem
  }
}

/** The project's own source files a program was built from (its inputs), relative to ROOT. */
function sourcesOf(ts, program) {
  return program
    .getSourceFiles()
    .filter((sf) => !sf.isDeclarationFile && !program.isSourceFileFromExternalLibrary(sf))
    .map((sf) => toPosix(path.relative(ROOT, sf.fileName)));
}

function hashes(files) {
  const byFile = {};
  for (const file of files) {
    byFile[file] = hashOf(file);
  }
  return byFile;
}

/**
 * Type-checks and compiles `rootNames`, writing into dist/. Returns the program and the files
 * written. A type error stops the command (nothing is written).
 */
function compile(ts, rootNames, what, consequence) {
  const configPath = path.join(ROOT, TSCONFIG);
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => fail(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")),
  });
  const options = { ...parsed.options, noEmitOnError: true };
  const program = ts.createProgram({
    rootNames: rootNames ?? parsed.fileNames,
    options,
    projectReferences: parsed.projectReferences,
  });
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const host = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => process.cwd(),
      getNewLine: () => "\n",
    };
    const format = process.stderr.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
    process.stderr.write(format(errors, host));
    fail(`tools/app.js: ${errors.length} type error(s) in ${what}; ${consequence}.`);
  }
  const outputs = [];
  const result = program.emit(undefined, (fileName, text, writeBOM) => {
    ts.sys.writeFile(fileName, text, writeBOM);
    outputs.push(toPosix(path.relative(ROOT, fileName)));
  });
  if (result.emitSkipped) {
    fail(`tools/app.js: TypeScript skipped the emit of ${what}; ${consequence}.`);
  }
  return { program, options, parsed, outputs };
}

/**
 * Deletes every file in dist/ that the full build did not just write (the compiled files of a
 * source since deleted or renamed), so that what is packed and run is exactly this build.
 */
function removeStrayOutputs(outputs) {
  const keep = new Set([...outputs, toPosix(path.relative(ROOT, APP_STAMP)), toPosix(path.relative(ROOT, ALL_STAMP))]);
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        walk(relative);
      } else if (!keep.has(relative)) {
        fs.rmSync(path.join(ROOT, relative), { force: true });
      }
    }
  };
  walk("dist");
}

/** The app only: main.ts and what it imports. */
function buildApp() {
  removeStamp(APP_STAMP);
  const ts = loadTypeScript();
  const { program, outputs } = compile(ts, [path.join(ROOT, ENTRY)], "the app", "nothing was synthesized");
  writeStamp(APP_STAMP, { inputs: hashes([...sourcesOf(ts, program), ...EXTRA_INPUTS]), outputs: hashes(outputs) });
}

/** Everything tsconfig.build.json includes; records the full build and the app's part of it. */
function buildAll() {
  // The app's record stays: a type error in a tool does not make the app's build stale.
  removeStamp(ALL_STAMP);
  const ts = loadTypeScript();
  const included = includedFiles();
  const { program, options, parsed, outputs } = compile(ts, undefined, `the files ${TSCONFIG} includes`, "nothing was written to dist/");
  // The app's own record: the same program narrowed to main.ts's imports (parsed files are
  // reused, nothing is checked or written again). Its outputs are the files of those sources.
  const appProgram = ts.createProgram({ rootNames: [path.join(ROOT, ENTRY)], options, oldProgram: program });
  const appSources = sourcesOf(ts, appProgram);
  const appOutputs = outputs.filter((file) =>
    appSources.some((source) => file === `dist/${source.replace(/\.ts$/, ".js")}` || file === `dist/${source.replace(/\.ts$/, ".d.ts")}`),
  );
  writeStamp(APP_STAMP, { inputs: hashes([...appSources, ...EXTRA_INPUTS]), outputs: hashes(appOutputs) });
  // The list of included files is recorded only when it is the list TypeScript itself found;
  // otherwise no record is written and the next call compiles again (slow, never stale).
  removeStrayOutputs(outputs);
  const found = parsed.fileNames.map((f) => toPosix(path.relative(ROOT, f))).sort();
  if (included !== null && JSON.stringify(found) === JSON.stringify(included)) {
    writeStamp(ALL_STAMP, { included, inputs: hashes([...sourcesOf(ts, program), ...EXTRA_INPUTS]), outputs: hashes(outputs) });
  }
}

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== "--build" && a !== "--build-all");
if (unknown.length > 0) {
  fail(`tools/app.js: unknown argument(s) ${unknown.join(" ")}; usage: node tools/app.js [--build | --build-all]`);
}
if (args.includes("--build-all")) {
  if (!isFresh(ALL_STAMP)) {
    buildAll();
  }
} else {
  // The app is current when its own record says so, or when the full build's does (it covers
  // every file the app is built from).
  if (!isFresh(APP_STAMP) && !isFresh(ALL_STAMP)) {
    buildApp();
  }
  if (!args.includes("--build")) {
    // From a fresh stack rather than from inside this module's top level: cdktf records a full
    // stack trace for every token it creates, so each extra frame here costs time on every token.
    setImmediate(() => require(DIST_MAIN));
  }
}
