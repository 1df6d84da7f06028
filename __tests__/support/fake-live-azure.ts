import { createServer, Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";

/**
 * Fakes of the parts of Azure Resource Manager and Microsoft Graph that `verify --drift` reads,
 * over HTTPS on loopback, answering from a live state a test sets and changes. The shapes are
 * those of the REST APIs (Microsoft.Storage 2023-05-01, Microsoft.Authorization 2022-04-01,
 * Microsoft.EventGrid 2025-02-15, Graph v1.0); only what verify reads is modelled.
 */

type Json = { [key: string]: unknown };

/** What Azure holds: each entry is a resource as its API returns it. */
export interface LiveAzure {
  /** By ARM id (any case). */
  storageAccounts: Map<string, Json>;
  /** By storage account id: the blob service (`…/blobServices/default`). */
  blobServices: Map<string, Json>;
  /** By storage account id. */
  containers: Map<string, Json[]>;
  /** Every role assignment, at any scope. */
  roleAssignments: Json[];
  /** Custom or other role definitions by name (the built-in ones verify knows are not looked up). */
  roleDefinitions: Map<string, string>;
  /** By ARM id. */
  systemTopics: Map<string, Json>;
  /** By system topic id. */
  eventSubscriptions: Map<string, Json[]>;
  /** Applications by client id. */
  applications: Map<string, Json>;
  /** Federated credentials by application object id. */
  federatedCredentials: Map<string, Json[]>;
  /** Service principals by client id. */
  servicePrincipals: Map<string, Json>;
  /** App role assignments by service principal object id. */
  appRoleAssignments: Map<string, Json[]>;
}

export function emptyLiveAzure(): LiveAzure {
  return {
    storageAccounts: new Map(),
    blobServices: new Map(),
    containers: new Map(),
    roleAssignments: [],
    roleDefinitions: new Map(),
    systemTopics: new Map(),
    eventSubscriptions: new Map(),
    applications: new Map(),
    federatedCredentials: new Map(),
    servicePrincipals: new Map(),
    appRoleAssignments: new Map(),
  };
}

/** One request a fake received. */
export interface AzureRequest {
  readonly method: string;
  readonly path: string;
  /** The bearer token's audience. */
  readonly audience?: string;
}

/** A running fake of Resource Manager and Graph. */
export interface FakeLiveAzure {
  /** `https://127.0.0.1:<port>`: the --arm-endpoint. */
  readonly armUrl: string;
  /** `https://127.0.0.1:<port>`: the --graph-endpoint. */
  readonly graphUrl: string;
  /** The state both answer from; tests change it between runs. */
  live: LiveAzure;
  /** Paths (lower case, without query) that answer 403, as a missing role would. */
  readonly denied: Set<string>;
  readonly requests: AzureRequest[];
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function audienceOf(req: IncomingMessage): string | undefined {
  const token = req.headers.authorization?.replace(/^Bearer /, "");
  const payload = token?.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const aud: unknown = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Json).aud;
    return typeof aud === "string" ? aud : undefined;
  } catch {
    return undefined;
  }
}

const PAGE_SIZE = 3;

/** A list, in pages of three with a nextLink, as both APIs page. */
function sendList(res: ServerResponse, origin: string, url: URL, items: readonly unknown[], linkName: "nextLink" | "@odata.nextLink"): void {
  const skip = Number(url.searchParams.get("$skiptoken") ?? "0");
  const page = items.slice(skip, skip + PAGE_SIZE);
  const next = new URL(url.toString());
  next.searchParams.set("$skiptoken", String(skip + PAGE_SIZE));
  sendJson(res, 200, { value: page, ...(skip + PAGE_SIZE < items.length ? { [linkName]: `${origin}${next.pathname}${next.search}` } : {}) });
}

/** Starts both fakes; a token must be for the right audience (the fake Entra issues it for the scope asked). */
export async function startFakeLiveAzure(options: { readonly certPem: string; readonly keyPem: string }): Promise<FakeLiveAzure> {
  const requests: AzureRequest[] = [];
  const denied = new Set<string>();
  const fake = { live: emptyLiveAzure() };
  let armUrl = "";
  let graphUrl = "";
  const notFound = (res: ServerResponse, code: string) =>
    sendJson(res, 404, { error: { code, message: `The fake holds no such resource (${code}).` } }, { "x-ms-request-id": randomUUID() });

  const arm = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", armUrl);
    const path = decodeURIComponent(url.pathname).toLowerCase();
    requests.push({ method: req.method ?? "GET", path: `arm ${url.pathname}`, ...optionalAudience(req) });
    if (audienceOf(req) !== armUrl) {
      sendJson(res, 401, { error: { code: "InvalidAuthenticationTokenAudience", message: "The access token has been obtained for wrong audience." } });
      return;
    }
    if (req.method !== "GET") {
      sendJson(res, 405, { error: { code: "MethodNotAllowed", message: "This fake only reads." } });
      return;
    }
    if ([...denied].some((d) => path.startsWith(d))) {
      sendJson(res, 403, { error: { code: "AuthorizationFailed", message: "The client does not have authorization to perform action over scope." } }, {
        "x-ms-request-id": randomUUID(),
        "x-ms-correlation-request-id": randomUUID(),
      });
      return;
    }
    const live = fake.live;
    const find = <T>(map: Map<string, T>, key: string) => [...map].find(([k]) => k.toLowerCase() === key)?.[1];
    let match: RegExpExecArray | null;
    if ((match = /^(.*\/microsoft\.storage\/storageaccounts\/[^/]+)\/blobservices\/default\/containers$/.exec(path))) {
      const containers = find(live.containers, match[1]!);
      return containers === undefined ? notFound(res, "ResourceNotFound") : sendList(res, armUrl, url, containers, "nextLink");
    }
    if ((match = /^(.*\/microsoft\.storage\/storageaccounts\/[^/]+)\/blobservices\/default$/.exec(path))) {
      const service = find(live.blobServices, match[1]!);
      return service === undefined ? notFound(res, "ResourceNotFound") : sendJson(res, 200, service);
    }
    if ((match = /^(.*)\/providers\/microsoft\.authorization\/roleassignments$/.exec(path))) {
      const scope = match[1]!;
      // No filter: at, above and below the scope.
      const applies = live.roleAssignments.filter((r) => {
        const at = String((r.properties as Json).scope).toLowerCase();
        return at === scope || scope.startsWith(`${at}/`) || at.startsWith(`${scope}/`) || at === "/";
      });
      return sendList(res, armUrl, url, applies, "nextLink");
    }
    if ((match = /^(.*)\/providers\/microsoft\.authorization\/roledefinitions$/.exec(path))) {
      const name = /^roleName eq '(.*)'$/.exec(url.searchParams.get("$filter") ?? "")?.[1]?.replace(/''/g, "'");
      const id = name !== undefined ? live.roleDefinitions.get(name) : undefined;
      return sendJson(res, 200, { value: id === undefined ? [] : [{ id: `/providers/Microsoft.Authorization/roleDefinitions/${id}`, name: id, properties: { roleName: name } }] });
    }
    if ((match = /^(.*\/microsoft\.eventgrid\/systemtopics\/[^/]+)\/eventsubscriptions$/.exec(path))) {
      const subscriptions = find(live.eventSubscriptions, match[1]!);
      return subscriptions === undefined ? notFound(res, "ResourceNotFound") : sendList(res, armUrl, url, subscriptions, "nextLink");
    }
    if (/\/microsoft\.eventgrid\/systemtopics\/[^/]+$/.test(path)) {
      const topic = find(live.systemTopics, path);
      return topic === undefined ? notFound(res, "ResourceNotFound") : sendJson(res, 200, topic);
    }
    if (/\/microsoft\.storage\/storageaccounts\/[^/]+$/.test(path)) {
      const account = find(live.storageAccounts, path);
      return account === undefined ? notFound(res, "ResourceNotFound") : sendJson(res, 200, account);
    }
    notFound(res, "NoRegisteredProviderFound");
  };

  const graph = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", graphUrl);
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: req.method ?? "GET", path: `graph ${path}`, ...optionalAudience(req) });
    if (audienceOf(req) !== graphUrl) {
      sendJson(res, 401, { error: { code: "InvalidAuthenticationToken", message: "Access token validation failure. Invalid audience." } });
      return;
    }
    if (req.method !== "GET") {
      sendJson(res, 405, { error: { code: "Request_BadRequest", message: "This fake only reads." } });
      return;
    }
    if ([...denied].some((d) => path.toLowerCase().startsWith(d))) {
      const requestId = randomUUID();
      sendJson(res, 403, { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation.", innerError: { "request-id": requestId } } }, {
        "request-id": requestId,
      });
      return;
    }
    const live = fake.live;
    const graphNotFound = () =>
      sendJson(res, 404, { error: { code: "Request_ResourceNotFound", message: "Resource does not exist.", innerError: { "request-id": randomUUID() } } });
    let match: RegExpExecArray | null;
    if ((match = /^\/v1\.0\/applications\(appId='([^']+)'\)$/.exec(path))) {
      const app = live.applications.get(match[1]!);
      return app === undefined ? graphNotFound() : sendJson(res, 200, app);
    }
    if ((match = /^\/v1\.0\/servicePrincipals\(appId='([^']+)'\)$/.exec(path))) {
      const sp = live.servicePrincipals.get(match[1]!);
      return sp === undefined ? graphNotFound() : sendJson(res, 200, sp);
    }
    if ((match = /^\/v1\.0\/applications\/([^/]+)\/federatedIdentityCredentials$/.exec(path))) {
      return sendList(res, graphUrl, url, live.federatedCredentials.get(match[1]!) ?? [], "@odata.nextLink");
    }
    if ((match = /^\/v1\.0\/servicePrincipals\/([^/]+)\/appRoleAssignments$/.exec(path))) {
      return sendList(res, graphUrl, url, live.appRoleAssignments.get(match[1]!) ?? [], "@odata.nextLink");
    }
    graphNotFound();
  };

  const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> => {
    const server = createServer({ cert: options.certPem, key: options.keyPem }, (req, res) => {
      req.resume();
      try {
        handler(req, res);
      } catch (error) {
        if (!res.headersSent) sendJson(res, 500, { error: { code: "InternalServerError", message: String(error) } });
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return server;
  };
  const [armServer, graphServer] = await Promise.all([listen(arm), listen(graph)]);
  armUrl = `https://127.0.0.1:${(armServer.address() as AddressInfo).port}`;
  graphUrl = `https://127.0.0.1:${(graphServer.address() as AddressInfo).port}`;
  const close = (server: Server) =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    armUrl,
    graphUrl,
    get live() {
      return fake.live;
    },
    set live(value: LiveAzure) {
      fake.live = value;
    },
    denied,
    requests,
    close: async () => {
      await Promise.all([close(armServer), close(graphServer)]);
    },
  };
}

function optionalAudience(req: IncomingMessage): { audience?: string } {
  const audience = audienceOf(req);
  return audience !== undefined ? { audience } : {};
}
