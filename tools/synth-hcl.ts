/**
 * `npm run synth:hcl`: writes every environment as plain Terraform HCL, the exit path from CDKTF
 * to hand-maintained Terraform.
 *
 * Output: `cdktf.out-hcl/stacks/<env>/cdk.tf` (plus cdktf's `metadata.json` and `manifest.json`).
 * The folder sits at the same depth as `cdktf.out/stacks/<env>/`, so a local backend's relative
 * state path (`../../../terraform.<env>.tfstate`) points at the same state file cdktf uses.
 *
 * cdktf writes HCL only when `SYNTH_HCL_OUTPUT=true` is set before the stacks are built (what
 * `cdktf synth --hcl` does); `new App({ hclOutput: true })` alone names the file `cdk.tf` but
 * still fills it with JSON. The library's HCL is valid but not canonically laid out, and it quotes
 * `depends_on`, `replace_triggered_by` and `ignore_changes` entries (which Terraform refuses or
 * deprecates), and cannot render `required_version` or `removed` blocks; this tool unquotes them,
 * adds those blocks, and runs
 * `terraform fmt` over the result when the `terraform` binary is on PATH.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ENVIRONMENTS } from "../environments";
import { buildApp, EnvironmentConfig } from "../lib/app";
import { addTerraformBlocksToHcl } from "../lib/terraform-blocks";

/** Default output folder, relative to the project folder. */
export const HCL_OUTDIR = "cdktf.out-hcl";

/** Options of {@link synthHcl}. */
export interface SynthHclOptions {
  /**
   * Output folder.
   *
   * @default "cdktf.out-hcl" in the current working directory
   */
  readonly outdir?: string;
  /**
   * Environments to write.
   *
   * @default ENVIRONMENTS from environments.ts
   */
  readonly environments?: readonly EnvironmentConfig[];
  /**
   * The terraform binary used to format the HCL; `false` skips formatting.
   *
   * @default "terraform" (skipped, with a note, when it is not installed)
   */
  readonly terraform?: string | false;
}

/** One written stack. */
export interface SynthHclResult {
  /** Environment (stack) name. */
  readonly environment: string;
  /** Path of the written `cdk.tf`. */
  readonly file: string;
  /** Whether `terraform fmt` canonicalised it. */
  readonly formatted: boolean;
}

/**
 * Replaces quoted references in the lists Terraform reads as bare references — `depends_on` and
 * `replace_triggered_by` (`"azurerm_role_assignment.x"`), and attribute names in `ignore_changes`
 * (`"action"`) — with bare ones, which is what Terraform expects since 0.12 (a quoted
 * `replace_triggered_by` is an error, "Invalid replace_triggered_by expression"; quoted
 * `depends_on` and `ignore_changes` are deprecated). Only list items that are a quoted address or
 * attribute name are touched.
 */
export function unquoteReferences(hcl: string): string {
  const addresses = (body: string) => body.replace(/"((?:data\.|module\.)?[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*)"/g, "$1");
  const names = (body: string) => body.replace(/"([A-Za-z_][A-Za-z0-9_-]*)"/g, "$1");
  return hcl.replace(/(\b(depends_on|replace_triggered_by|ignore_changes)\s*=\s*\[)([^\]]*)(\])/g, (_match, open: string, key: string, body: string, close: string) => {
    return open + (key === "ignore_changes" ? names(body) : addresses(body)) + close;
  });
}

/** Whether a terraform binary answers `terraform version`. */
export function terraformAvailable(terraform = "terraform"): boolean {
  const result = spawnSync(terraform, ["version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return result.error === undefined && result.status === 0;
}

/** Formats HCL with `terraform fmt -` (stdin to stdout). Throws with terraform's message on a syntax error. */
export function terraformFmt(hcl: string, terraform = "terraform"): string {
  const result = spawnSync(terraform, ["fmt", "-no-color", "-"], {
    input: hcl,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, TF_IN_AUTOMATION: "1" },
  });
  if (result.error !== undefined || result.status !== 0) {
    const why = result.error?.message ?? result.stderr.trim();
    throw new Error(`terraform fmt failed: ${why}`);
  }
  return result.stdout;
}

/**
 * Synthesizes every environment as HCL into `<outdir>/stacks/<env>/cdk.tf`, unquotes
 * references in lifecycle lists and `depends_on`, and formats the files with `terraform fmt` when it is available.
 */
export function synthHcl(options: SynthHclOptions = {}): SynthHclResult[] {
  const outdir = path.resolve(options.outdir ?? HCL_OUTDIR);
  const environments = options.environments ?? ENVIRONMENTS;
  const terraform = options.terraform ?? "terraform";
  const formatter = terraform !== false && terraformAvailable(terraform) ? terraform : undefined;

  fs.mkdirSync(outdir, { recursive: true });
  const previous = process.env.SYNTH_HCL_OUTPUT;
  process.env.SYNTH_HCL_OUTPUT = "true";
  let app;
  try {
    app = buildApp(environments, { outdir, hclOutput: true });
    app.synth();
  } finally {
    if (previous === undefined) {
      delete process.env.SYNTH_HCL_OUTPUT;
    } else {
      process.env.SYNTH_HCL_OUTPUT = previous;
    }
  }

  return environments.map(({ name }) => {
    const file = path.join(outdir, "stacks", name, "cdk.tf");
    let hcl = addTerraformBlocksToHcl(unquoteReferences(fs.readFileSync(file, "utf8")), app.node.findChild(name));
    if (hcl.trimStart().startsWith("{")) {
      throw new Error(`${file} holds JSON, not HCL: cdktf ignored SYNTH_HCL_OUTPUT`);
    }
    if (formatter !== undefined) {
      hcl = terraformFmt(hcl, formatter);
    } else if (!hcl.endsWith("\n")) {
      hcl += "\n";
    }
    fs.writeFileSync(file, hcl);
    return { environment: name, file, formatted: formatter !== undefined };
  });
}

/** `npm run synth:hcl [-- --outdir <dir>]`. */
export function main(argv: string[] = process.argv.slice(2)): number {
  let outdir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--outdir" && argv[i + 1] !== undefined) {
      outdir = argv[++i];
    } else if (arg.startsWith("--outdir=")) {
      outdir = arg.slice("--outdir=".length);
    } else {
      console.error(`synth:hcl: unknown argument ${JSON.stringify(arg)}. Usage: npm run synth:hcl [-- --outdir <dir>]`);
      return 2;
    }
  }
  try {
    const results = synthHcl({ outdir });
    const cwd = process.cwd();
    for (const r of results) {
      console.log(`wrote ${path.relative(cwd, r.file) || r.file}`);
    }
    if (results.some((r) => !r.formatted)) {
      console.log("note: terraform is not on PATH, so the files were not run through `terraform fmt`.");
    }
    const first = results[0];
    if (first !== undefined) {
      const dir = path.relative(cwd, path.dirname(first.file)) || ".";
      console.log(`Plain Terraform from here: cd ${dir} && terraform init && terraform plan`);
    }
    return 0;
  } catch (error) {
    console.error(`synth:hcl failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main();
}
