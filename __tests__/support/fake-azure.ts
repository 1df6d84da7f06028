import { createServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A JSON object, as the services return it. */
export type Json = { [key: string]: unknown };

/**
 * The objects a fake tenant and subscription hold, stored as Microsoft Graph (v1.0) and Azure
 * Resource Manager return them: the fake answers with these objects as they are, so a test's
 * world is its recorded responses.
 */
export interface FakeWorld {
  readonly applications: Json[];
  readonly servicePrincipals: Json[];
  /** Owner object ids of applications and service principals, by their object id. */
  readonly owners: { [objectId: string]: string[] };
  /** `GET /servicePrincipals/{id}/appRoleAssignments`, by the principal's object id. */
  readonly appRoleAssignments: { [objectId: string]: Json[] };
  readonly resourceGroups: Json[];
  readonly storageAccounts: Json[];
  /** By the account's id in lowercase. */
  readonly containers: { [accountId: string]: Json[] };
  readonly queues: { [accountId: string]: Json[] };
  readonly managementPolicies: { [accountId: string]: Json };
  readonly systemTopics: Json[];
  /** By the topic's id in lowercase. */
  readonly eventSubscriptions: { [topicId: string]: Json[] };
  readonly roleAssignments: Json[];
  /** Role definitions beyond the ones the tool knows, by GUID. */
  readonly roleDefinitions: { [id: string]: Json };
  /** Lists answer this many items a page, with a next link (none: one page). */
  readonly pageSize?: number;
  /** A next link pointing elsewhere, to prove the tool does not follow it with its token. */
  readonly foreignNextLink?: string;
  /** Answers forced for request paths containing `pathIncludes`. */
  readonly failures?: readonly { readonly pathIncludes: string; readonly status: number; readonly code: string; readonly message: string }[];
}

/** One request the fake received. */
export interface FakeRequest {
  readonly method: string;
  /** The path and query, decoded. */
  readonly path: string;
  /** The token's audience, or "none". */
  readonly audience: string;
}

/** A running fake of Graph (under /graph) and ARM (under /arm) on one loopback HTTPS port. */
export interface FakeAzure {
  readonly graphEndpoint: string;
  readonly armEndpoint: string;
  readonly requests: FakeRequest[];
  /** What the fake answers from; replace it between tests. */
  world: FakeWorld;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const armError = (res: ServerResponse, status: number, code: string, message: string) => send(res, status, { error: { code, message } });
const graphError = (res: ServerResponse, status: number, code: string, message: string) =>
  send(res, status, { error: { code, message, innerError: { date: new Date().toISOString(), "request-id": "00000000-0000-0000-0000-000000000000" } } });

/** `appId eq 'x'` or `displayName eq 'x'`, OData-quoted. */
function odataEq(filter: string | null): { field: string; value: string } | undefined {
  const m = /^(\w+) eq '((?:[^']|'')*)'$/.exec(filter ?? "");
  return m === null ? undefined : { field: m[1]!, value: m[2]!.replace(/''/g, "'") };
}

function audienceOf(req: IncomingMessage): string {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  if (token === undefined) return "none";
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { aud?: unknown };
    return typeof payload.aud === "string" ? payload.aud : "none";
  } catch {
    return "none";
  }
}

/**
 * Starts the fake. It answers the GETs `npm run adopt` makes, as the real services do: ARM
 * paths case-insensitively and only with the api-version of each operation, 404s with ARM's
 * error codes, role assignments filtered by principal at, above or below the scope, lists in
 * pages when `pageSize` is set; a request whose token is for the other service is refused
 * (401). Anything else is a 405 or 404 the test sees.
 */
export async function startFakeAzure(options: { readonly certPem: string; readonly keyPem: string; readonly world: FakeWorld }): Promise<FakeAzure> {
  const requests: FakeRequest[] = [];
  let origin = "";
  const fake: FakeAzure = {
    graphEndpoint: "",
    armEndpoint: "",
    requests,
    world: options.world,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const page = (res: ServerResponse, url: URL, items: readonly Json[], nextKey: "nextLink" | "@odata.nextLink") => {
    const size = fake.world.pageSize ?? items.length;
    const skip = Number(url.searchParams.get("$skiptoken") ?? "0");
    const body: Json = { value: items.slice(skip, skip + Math.max(size, 1)) };
    if (skip + size < items.length) {
      const next = new URL(url.toString());
      next.searchParams.set("$skiptoken", String(skip + size));
      body[nextKey] = fake.world.foreignNextLink ?? next.toString();
    }
    send(res, 200, body);
  };

  const graph = (res: ServerResponse, url: URL, segments: readonly string[]) => {
    const w = fake.world;
    const [version, collection, id, relation] = segments;
    if (version !== "v1.0") return graphError(res, 400, "BadRequest", `Invalid version: ${version}`);
    const objects = collection === "applications" ? w.applications : collection === "servicePrincipals" ? w.servicePrincipals : undefined;
    if (objects === undefined) return graphError(res, 400, "BadRequest", `Resource not found for the segment '${collection}'.`);
    if (id === undefined) {
      const eq = odataEq(url.searchParams.get("$filter"));
      if (eq === undefined || !["appId", "displayName"].includes(eq.field)) return graphError(res, 400, "Request_UnsupportedQuery", "Unsupported query.");
      return page(res, url, objects.filter((o) => o[eq.field] === eq.value), "@odata.nextLink");
    }
    if (!objects.some((o) => o.id === id)) return graphError(res, 404, "Request_ResourceNotFound", `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
    if (relation === "owners") return page(res, url, (w.owners[id] ?? []).map((o) => ({ "@odata.type": "#microsoft.graph.user", id: o })), "@odata.nextLink");
    if (relation === "appRoleAssignments" && collection === "servicePrincipals") return page(res, url, w.appRoleAssignments[id] ?? [], "@odata.nextLink");
    return graphError(res, 400, "BadRequest", `Unsupported segment ${relation}.`);
  };

  const arm = (res: ServerResponse, url: URL, path: string) => {
    const w = fake.world;
    const lower = path.toLowerCase();
    const version = url.searchParams.get("api-version");
    const need = (expected: string): boolean => {
      if (version === expected) return true;
      armError(res, 400, version === null ? "MissingApiVersionParameter" : "InvalidApiVersionParameter", `The api-version '${version}' is not the one this fake serves for ${path} (${expected}).`);
      return false;
    };
    const byId = (items: readonly Json[], id: string) => items.find((x) => String(x.id).toLowerCase() === id);
    let m: RegExpExecArray | null;
    if ((m = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+)$/.exec(lower))) {
      if (!need("2021-04-01")) return;
      const group = byId(w.resourceGroups, m[1]!);
      return group ? send(res, 200, group) : armError(res, 404, "ResourceGroupNotFound", `Resource group '${path.split("/")[4]}' could not be found.`);
    }
    if ((m = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+)\/providers\/microsoft\.storage\/storageaccounts\/([^/]+)$/.exec(lower))) {
      if (!need("2023-05-01")) return;
      if (!byId(w.resourceGroups, m[1]!)) return armError(res, 404, "ResourceGroupNotFound", `Resource group '${path.split("/")[4]}' could not be found.`);
      const account = byId(w.storageAccounts, lower);
      return account
        ? send(res, 200, account)
        : armError(res, 404, "ResourceNotFound", `The Resource 'Microsoft.Storage/storageAccounts/${path.split("/")[8]}' under resource group '${path.split("/")[4]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFound`);
    }
    if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.storage\/storageaccounts$/.test(lower)) {
      return need("2023-05-01") && page(res, url, w.storageAccounts, "nextLink");
    }
    if ((m = /^(.+\/storageaccounts\/[^/]+)\/blobservices\/default\/containers$/.exec(lower))) return need("2023-05-01") && page(res, url, w.containers[m[1]!] ?? [], "nextLink");
    if ((m = /^(.+\/storageaccounts\/[^/]+)\/queueservices\/default\/queues$/.exec(lower))) return need("2023-05-01") && page(res, url, w.queues[m[1]!] ?? [], "nextLink");
    if ((m = /^(.+\/storageaccounts\/[^/]+)\/managementpolicies\/default$/.exec(lower))) {
      if (!need("2023-05-01")) return;
      const policy = w.managementPolicies[m[1]!];
      return policy ? send(res, 200, policy) : armError(res, 404, "ManagementPolicyNotFound", `No ManagementPolicy found for account ${path.split("/")[8]}`);
    }
    if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.eventgrid\/systemtopics$/.test(lower)) return need("2025-02-15") && page(res, url, w.systemTopics, "nextLink");
    if ((m = /^(.+\/systemtopics\/[^/]+)\/eventsubscriptions$/.exec(lower))) return need("2025-02-15") && page(res, url, w.eventSubscriptions[m[1]!] ?? [], "nextLink");
    if ((m = /^(.+)\/providers\/microsoft\.authorization\/roleassignments$/.exec(lower))) {
      if (!need("2022-04-01")) return;
      const scope = m[1]!;
      const eq = odataEq(url.searchParams.get("$filter"));
      if (eq?.field !== "principalId") return armError(res, 400, "InvalidFilter", "This fake answers only $filter=principalId eq '<id>'.");
      // At, above or below the scope, for the principal (Azure's documented semantics of this filter).
      const related = (s: string) => s === scope || scope.startsWith(`${s}/`) || s.startsWith(`${scope}/`);
      return page(res, url, w.roleAssignments.filter((a) => (a.properties as Json).principalId === eq.value && related(String((a.properties as Json).scope).toLowerCase())), "nextLink");
    }
    if ((m = /\/providers\/microsoft\.authorization\/roledefinitions\/([^/]+)$/.exec(lower))) {
      if (!need("2022-04-01")) return;
      const definition = w.roleDefinitions[m[1]!];
      return definition ? send(res, 200, definition) : armError(res, 404, "RoleDefinitionDoesNotExist", "The specified role definition does not exist.");
    }
    armError(res, 404, "InvalidResourceType", `The fake has no route for ${path}.`);
  };

  const server = createServer({ cert: options.certPem, key: options.keyPem }, (req, res) => {
    const url = new URL(req.url ?? "/", origin);
    const path = decodeURIComponent(url.pathname);
    const audience = audienceOf(req);
    requests.push({ method: req.method ?? "", path: decodeURIComponent(`${url.pathname}${url.search}`).replace(/\+/g, " "), audience });
    if (req.method !== "GET") return armError(res, 405, "MethodNotAllowed", "The fake serves GETs only (adopt only reads).");
    const failure = fake.world.failures?.find((f) => path.includes(f.pathIncludes));
    const [, service, ...rest] = path.split("/");
    if (service === "graph") {
      if (audience !== fake.graphEndpoint) return graphError(res, 401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.");
      if (failure) return graphError(res, failure.status, failure.code, failure.message);
      return graph(res, url, rest);
    }
    if (service === "arm") {
      if (audience !== fake.armEndpoint) return armError(res, 401, "InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or resource.");
      if (failure) return armError(res, failure.status, failure.code, failure.message);
      return arm(res, url, `/${rest.join("/")}`);
    }
    armError(res, 404, "NotFound", `No service at ${path}.`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  (fake as { graphEndpoint: string }).graphEndpoint = `${origin}/graph`;
  (fake as { armEndpoint: string }).armEndpoint = `${origin}/arm`;
  return fake;
}

/** A token credential for tests: an unsigned JWT whose audience is the scope asked for, and the caller's object id. */
export function fakeCredential(objectId: string): { getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number }> } {
  return {
    getToken: async (scopes) => {
      const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
      const token = `${part({ alg: "none", typ: "JWT" })}.${part({ aud: scope.replace(/\/\.default$/, ""), oid: objectId, tid: "00000000-0000-0000-0000-000000000000" })}.x`;
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}
