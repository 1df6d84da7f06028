import { TerraformStack, Testing } from "cdktf";
import { validateIntegrationProps } from "../lib/validation";
import { XshieldMdeIntegrationProps } from "../lib/props";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { synthIntegration, VALID_PROPS } from "./support/synth";

// Soft delete on by default, an optional delete lock, optional diagnostics: what each writes, what
// each refuses, and what the guard keeps.

const WORKSPACE = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-security";
const errors = (props: Partial<XshieldMdeIntegrationProps>) => validateIntegrationProps({ ...VALID_PROPS, ...props }).errors;

function synthWith(tweak: (i: XshieldMdeIntegration) => void, props: Partial<XshieldMdeIntegrationProps> = {}): () => string {
  const stack = new TerraformStack(Testing.app(), "test");
  const i = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, ...props });
  tweak(i);
  return () => Testing.synth(stack);
}

describe("soft delete", () => {
  test("on by default: deleted blobs and containers stay recoverable 7 days", () => {
    expect(synthIntegration().one("azurerm_storage_account").body.blob_properties).toEqual({
      delete_retention_policy: { days: 7 },
      container_delete_retention_policy: { days: 7 },
    });
  });

  test("softDeleteRetentionDays sets both, 1–365 whole days, a literal", () => {
    expect(synthIntegration({ softDeleteRetentionDays: 30 }).one("azurerm_storage_account").body.blob_properties).toEqual({
      delete_retention_policy: { days: 30 },
      container_delete_retention_policy: { days: 30 },
    });
    for (const bad of [0, 366, 2.5]) {
      expect(errors({ softDeleteRetentionDays: bad })).toEqual([expect.stringMatching(new RegExp(`^softDeleteRetentionDays ${bad}: must be a whole number from 1 to 365`))]);
    }
  });

  test("the guard keeps both policies on, at least as long as planned", () => {
    expect(synthWith((i) => i.storageAccount.addOverride("blob_properties.delete_retention_policy.days", 90))).not.toThrow();
    expect(synthWith((i) => i.storageAccount.addOverride("blob_properties.delete_retention_policy.days", 1))).toThrow(
      /\[SoftDeleteOn\] resource\.azurerm_storage_account\.\S+\.blob_properties\.delete_retention_policy\.days is 1; the baseline keeps deleted blobs at least 7 days/,
    );
    expect(synthWith((i) => i.storageAccount.addOverride("blob_properties.container_delete_retention_policy", null))).toThrow(
      /\[SoftDeleteOn\] .*container_delete_retention_policy\.days is unset; the baseline keeps deleted containers at least 7 days/,
    );
    expect(synthWith((i) => i.storageAccount.addOverride("blob_properties.versioning_enabled", true))).toThrow(/\[SoftDeleteOn\] .*blob_properties\.versioning_enabled is true; planned unset/);
    expect(synthWith((i) => i.storageAccount.addOverride("blob_properties", null))).toThrow(/\[SoftDeleteOn\] .*delete_retention_policy\.days is unset/);
  });
});

describe("deleteLock", () => {
  test("off by default; on, a CanNotDelete lock on the storage account", () => {
    expect(synthIntegration().all("azurerm_management_lock")).toEqual([]);
    const s = synthIntegration({ deleteLock: true });
    expect(s.one("azurerm_management_lock").body).toMatchObject({
      name: "xshield-mde-no-delete",
      scope: s.ref("azurerm_storage_account", "id"),
      lock_level: "CanNotDelete",
    });
  });

  test("refused when not a boolean; the guard keeps the lock as planned", () => {
    expect(errors({ deleteLock: "yes" as never })).toEqual(['deleteLock "yes": must be true or false.']);
    expect(synthWith((i) => i.deleteLock!.addOverride("lock_level", "ReadOnly"), { deleteLock: true })).toThrow(/\[WrittenAsPlanned\] resource\.azurerm_management_lock\.\S+\.lock_level is "ReadOnly"; planned "CanNotDelete"/);
    expect(synthWith((i) => i.node.tryRemoveChild("delete-lock"), { deleteLock: true })).toThrow(/\[WrittenAsPlanned\] resource\.azurerm_management_lock\.\S+ is missing/);
  });
});

describe("diagnostics", () => {
  test("none by default; with a workspace, the blob and queue services' reads, writes, deletes and transactions go to it", () => {
    expect(synthIntegration().all("azurerm_monitor_diagnostic_setting")).toEqual([]);
    const s = synthIntegration({ diagnostics: { logAnalyticsWorkspaceId: WORKSPACE } });
    const account = s.ref("azurerm_storage_account", "id");
    const settings = s.all("azurerm_monitor_diagnostic_setting").map(([, body]) => body);
    expect(settings.map((b) => [b.name, b.target_resource_id])).toEqual([
      ["xshield-mde-blob", `${account}/blobServices/default`],
      ["xshield-mde-queue", `${account}/queueServices/default`],
    ]);
    for (const body of settings) {
      expect(body.log_analytics_workspace_id).toBe(WORKSPACE);
      expect(body.enabled_log).toEqual([{ category: "StorageRead" }, { category: "StorageWrite" }, { category: "StorageDelete" }]);
      expect(body.enabled_metric).toEqual([{ category: "Transaction" }]);
    }
  });

  test("a workspace id of the wrong shape is refused, naming the prop; the guard keeps the settings as planned", () => {
    for (const bad of ["/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law", `${WORKSPACE}/extra`, "law-security"]) {
      expect(errors({ diagnostics: { logAnalyticsWorkspaceId: bad } })).toEqual([expect.stringMatching(/^diagnostics\.logAnalyticsWorkspaceId .*: must be the resource id of a Log Analytics workspace/)]);
    }
    expect(errors({ diagnostics: "x" as never })).toEqual([expect.stringMatching(/^diagnostics "x": must be an object/)]);
    expect(
      synthWith((i) => i.diagnosticSettings!.blob.addOverride("log_analytics_workspace_id", "/subscriptions/x/workspaces/attacker"), { diagnostics: { logAnalyticsWorkspaceId: WORKSPACE } }),
    ).toThrow(/\[WrittenAsPlanned\] resource\.azurerm_monitor_diagnostic_setting\.\S+\.log_analytics_workspace_id is "\/subscriptions\/x\/workspaces\/attacker"/);
  });
});
