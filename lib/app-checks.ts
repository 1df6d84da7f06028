/**
 * Checks across every integration of one App (every stack): names Azure or Entra ID will not
 * give twice. Pure: each integration is described by the names it writes and where they live.
 */

/** What one integration claims, as the checks compare it. */
export interface IntegrationClaims {
  /** The construct path, to name it in messages. */
  readonly path: string;
  /** The storage account's name, when a literal (unique across all of Azure). */
  readonly storageAccountName?: string;
  /** The resource group the integration creates, when it creates one with a literal name. */
  readonly createdResourceGroup?: string;
  /** The Entra application's display name, when a literal. */
  readonly applicationDisplayName?: string;
  /**
   * Which subscription its resources go to: `subscription:<id>` when the azurerm provider names
   * it, else the provider (or the stack) that decides it at plan. Two integrations on one provider
   * share a subscription; on providers that name none, they may not.
   */
  readonly subscription: string;
  /** Which tenant its application goes to, in the same form (`tenant:<id>`, or the provider). */
  readonly tenant: string;
}

/**
 * The problems of `later` with any integration made before it: the same storage account name
 * anywhere; the same resource group created twice in one subscription; the same application
 * display name twice in one tenant (Entra allows it, but no one can tell the two apart, and
 * `npm run adopt` finds applications by it). Each message names both integrations.
 */
export function duplicateProblems(later: IntegrationClaims, earlier: readonly IntegrationClaims[]): string[] {
  const problems: string[] = [];
  const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  for (const other of earlier) {
    if (same(later.storageAccountName, other.storageAccountName)) {
      problems.push(
        `storageAccountName ${JSON.stringify(later.storageAccountName)}: is also the storage account of XshieldMdeIntegration "${other.path}"; ` +
          "storage account names are unique across all of Azure, so the second apply fails. Give each integration its own.",
      );
    }
    if (same(later.createdResourceGroup, other.createdResourceGroup) && later.subscription === other.subscription) {
      problems.push(
        `resourceGroupName ${JSON.stringify(later.createdResourceGroup)}: XshieldMdeIntegration "${other.path}" creates a resource group of that name ` +
          "in the same subscription too, and Azure has one group per name; give each its own name, or let one create it and pass it to the other as resourceGroup.",
      );
    }
    if (same(later.applicationDisplayName, other.applicationDisplayName) && later.tenant === other.tenant) {
      problems.push(
        `applicationDisplayName ${JSON.stringify(later.applicationDisplayName)}: is also the application of XshieldMdeIntegration "${other.path}" ` +
          "in the same tenant; two applications of one name cannot be told apart in the portal, in Xshield or by npm run adopt. Give each its own.",
      );
    }
  }
  return problems;
}
