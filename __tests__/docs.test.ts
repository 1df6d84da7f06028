import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ADOPTION_TABLE } from "../lib/adoption";
import { BASELINE_RULES } from "../lib/props";
import { synthIntegration } from "./support/synth";

// What the README promises about itself and about other parts of the project.

const ROOT = join(__dirname, "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

describe("README", () => {
  test("opens with the two commands a newcomer runs", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(README)?.[1] ?? "";
    expect(firstBlock.split("\n")[0]).toMatch(/^npm ci && npm run synth\s/);
    expect(firstBlock.split("\n")[1]).toMatch(/^npm test\s/);
  });

  test("is a user's README: at most 20 KB, mentions the help file, no test counts that go stale", () => {
    expect(Buffer.byteLength(README, "utf8")).toBeLessThanOrEqual(20_000);
    expect(README).toContain("cat help");
    expect(README).not.toMatch(/\b\d+ tests\b|\b\d+ suites\b/);
  });

  test("the guard section names every rule the guard has", () => {
    const guard = /<!-- BEGIN:guard -->([\s\S]*)<!-- END:guard -->/.exec(README)?.[1] ?? "";
    for (const rule of Object.keys(BASELINE_RULES)) {
      expect({ rule, listed: guard.includes(`\`${rule}\``) }).toEqual({ rule, listed: true });
    }
  });

  test("every troubleshooting entry an alert points to exists", () => {
    const s = synthIntegration({ alerts: { actionGroupId: "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg/providers/microsoft.insights/actionGroups/a" } });
    const entries = s
      .all("azurerm_monitor_metric_alert")
      .map(([, body]) => /README: Troubleshooting > ([^.]+)\./.exec(String(body.description))?.[1]);
    expect(entries).toHaveLength(5);
    for (const entry of entries) {
      expect(README).toContain(`### ${entry}\n`);
    }
  });

  test("every anchor the README links to exists in it", () => {
    const headings = new Set(
      [...README.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, "")
          .replace(/ /g, "-"),
      ),
    );
    const links = [...README.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((l) => !headings.has(l))).toEqual([]);
  });

  test("the adoption path: a section near the Quick start, its details page naming every adoptable field, and help listing the command", () => {
    const sections = [...README.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(sections.indexOf("Already set up by hand?")).toBe(sections.indexOf("Quick start") + 1);
    const section = /## Already set up by hand\?\n([\s\S]*?)\n## /.exec(README)?.[1] ?? "";
    expect(section).toContain("npm run adopt -- dev");
    expect(section.replace(/\s+/g, " ")).toContain("Secrets are never imported (Terraform cannot read them)");
    expect(section).toContain("[docs/adopt.md](docs/adopt.md)");
    const details = readFileSync(join(ROOT, "docs", "adopt.md"), "utf8");
    for (const [field, row] of Object.entries(ADOPTION_TABLE)) {
      expect({ field, named: details.includes(`\`${field}\``) }).toEqual({ field, named: true });
      if (row.resourceType !== "azurerm_role_assignment") {
        expect({ field, form: details.includes(row.format) }).toEqual({ field, form: true });
      }
    }
    expect(readFileSync(join(ROOT, "help"), "utf8")).toMatch(/^ {4}npm run adopt -- <env> /m);
  });
});
