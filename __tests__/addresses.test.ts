import * as fs from "fs";
import * as path from "path";
import { Testing, TerraformStack } from "cdktf";
import { ENVIRONMENTS } from "../environments";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { XshieldMdeStack } from "../lib/xshield-mde-stack";

const LIST = path.join(__dirname, "addresses.txt");

/** What is lost when Terraform destroys and recreates a resource of this type. */
const CONSEQUENCES: { [type: string]: string } = {
  azurerm_storage_account: "the storage account and every DeviceNetworkEvents blob in it are DELETED",
  azurerm_storage_container: "the container and all its blobs are DELETED",
  azurerm_storage_queue: "the queue and every pending notification are DELETED",
  azuread_application: "the application is deleted: a new client id must be entered in Xshield and consent granted again",
  azuread_service_principal: "the service principal is deleted: every role and the admin consent are lost",
  azuread_application_password: "the secret is replaced: Xshield stops working until the new one is entered",
};

function addressesOf(json: string): string[] {
  const tf = JSON.parse(json) as { resource?: object; data?: object };
  const list = (block: object | undefined, prefix: string) =>
    Object.entries(block ?? {}).flatMap(([type, byName]) => Object.keys(byName as object).map((n) => `${prefix}${type}.${n}`));
  return [...list(tf.resource, ""), ...list(tf.data, "data.")].sort();
}

/**
 * The reviewed addresses of an environment: every untagged line, and the lines tagged
 * `[<env>]` for resources only that environment has (its optional features, like alerts).
 * Without an environment: the untagged lines only.
 */
function reviewedAddresses(env?: string): string[] {
  return fs
    .readFileSync(LIST, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .flatMap((l) => {
      const tagged = /^\[([a-z0-9-]+)\]\s+(\S+)$/.exec(l);
      return tagged === null ? [l] : tagged[1] === env ? [tagged[2]] : [];
    })
    .sort();
}

/** The message a developer gets when an address moves: the consequence and how to move state instead. */
function explainAddressChange(env: string, missing: string[], added: string[]): string {
  const lines = [`Terraform addresses changed in environment "${env}".`];
  for (const address of missing) {
    const type = address.replace(/^data\./, "").split(".")[0];
    const consequence = address.startsWith("data.")
      ? "a data source only: safe, but update the list"
      : CONSEQUENCES[type] ?? "the resource is destroyed and created again";
    lines.push(`  - ${address} would be DESTROYED on the next apply (${consequence}).`);
  }
  for (const address of added) {
    lines.push(`  + ${address} is new (created on the next apply).`);
  }
  lines.push(
    "A construct id is part of the Terraform address: renaming or moving a construct destroys the old resource and creates a new one.",
    "To keep the resource: restore the construct id; or tell Terraform it moved, so state follows instead of a destroy:",
    "resource.moveFromId(\"<type>.<old name>\") in cdktf (it writes a `moved { from = <old> to = <new> }` block), or `terraform state mv <old> <new>`.",
    `If the change is intended and reviewed, update ${path.relative(process.cwd(), LIST)}.`,
  );
  return lines.join("\n");
}

describe("Terraform addresses", () => {
  test.each(ENVIRONMENTS.map((e) => [e.name, e] as const))("environment %s keeps the reviewed addresses", (name, env) => {
    const stack = new XshieldMdeStack(Testing.app(), name, env);
    const actual = addressesOf(Testing.synth(stack));
    const reviewed = reviewedAddresses(name);
    const missing = reviewed.filter((a) => !actual.includes(a));
    const added = actual.filter((a) => !reviewed.includes(a));
    if (missing.length > 0 || added.length > 0) {
      throw new Error(explainAddressChange(name, missing, added));
    }
  });

  test("an environment's own lines apply to it only", () => {
    const prod = reviewedAddresses("prod");
    const dev = reviewedAddresses("dev");
    // prod has alerts, and the record of their action group's id that replaces them when it changes
    expect(prod.filter((a) => !dev.includes(a)).every((a) => a.startsWith("azurerm_monitor_") || a.startsWith("terraform_data.integration_alert-"))).toBe(true);
    expect(prod.length).toBeGreaterThan(dev.length);
  });

  test("a renamed construct id is explained as a destroy, with the way out", () => {
    const message = explainAddressChange(
      "dev",
      ["azurerm_storage_account.integration_storage-account_6BAE30E3"],
      ["azurerm_storage_account.integration_storage_1234ABCD"],
    );
    expect(message).toMatch(/storage-account_6BAE30E3 would be DESTROYED.*DeviceNetworkEvents blob/);
    expect(message).toMatch(/moved \{ from/);
    expect(message).toMatch(/moveFromId/);
  });

  test("a different construct id really gives different addresses (the list is not blind)", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "dev");
    new XshieldMdeIntegration(stack, "mde", ENVIRONMENTS[0].integration);
    const actual = addressesOf(Testing.synth(stack));
    expect(actual.filter((a) => reviewedAddresses().includes(a))).toEqual([]);
  });

  test("moveFromId, the advised way out, writes a moved block from the old address to the new one", () => {
    const stack = new XshieldMdeStack(Testing.app(), "dev", ENVIRONMENTS[0]);
    stack.integration.storageAccount.moveFromId("azurerm_storage_account.old_name");
    const json = JSON.parse(Testing.synth(stack));
    expect(json.moved).toEqual([
      { from: "azurerm_storage_account.old_name", to: "azurerm_storage_account.integration_storage-account_6BAE30E3" },
    ]);
  });
});
