import { randomUUID } from "node:crypto";
import { createServer, Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { longDescription } from "./secret-echo";

/** An application registration the fake tenant knows about. */
export interface FakeApp {
  readonly tenantId: string;
  readonly clientId: string;
  /** The secret's value; any other value is a wrong secret (AADSTS7000215). */
  readonly secret: string;
  /** The secret is expired: Entra answers AADSTS7000222 even when the value is right. */
  readonly secretExpired?: boolean;
  /** Application roles the token for the Defender API carries (what admin consent granted). */
  readonly defenderRoles: readonly string[];
  /** Forces the Defender API's answer for this app (e.g. 403 although the role is there). */
  readonly defenderStatus?: number;
  /**
   * A misbehaving token endpoint that echoes the wrong secret it received in its error text
   * (Entra never does): proves verify scrubs the secret from whatever it prints.
   */
  readonly echoSecretInErrors?: boolean;
  /**
   * A misbehaving endpoint that quotes this app's secret, written by `encode`, at the end of a long
   * error text (`after` characters of description before it): the token endpoint (the sign-in then
   * fails, whatever secret was sent) or the Defender API (which never sees the secret in reality;
   * it stands for any server or proxy on the way). Proves verify hides every form of the secret,
   * also where its messages are shortened.
   */
  readonly echoSecret?: {
    readonly at: "token" | "defender";
    readonly after: number;
    readonly encode: (secret: string, clientId?: string) => string;
    /**
     * Where the server writes it: in its description (`error_description`, the Defender error's
     * `message`), or in the field that should hold a fixed code (`error`, the Defender error's `code`).
     *
     * @default "description"
     */
    readonly field?: "description" | "code";
  };
}

/** One request the fake received (the form body is kept, minus the secret, for assertions). */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly scope?: string;
  readonly grantType?: string;
  readonly clientId?: string;
  readonly authorization?: string;
}

/** A running fake of the Entra ID token endpoint plus the Defender `api/machines` endpoint. */
export interface FakeEntra {
  /** `https://127.0.0.1:<port>`: both the authority host and the Defender API base. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly server: Server;
  close(): Promise<void>;
}

export const DEFENDER_AUDIENCE = "https://api.securitycenter.microsoft.com";
export const STORAGE_AUDIENCE = "https://storage.azure.com";

function base64Url(value: object | string): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return Buffer.from(text, "utf8").toString("base64url");
}

/** An unsigned-but-well-formed JWT: nothing in this flow verifies signatures (Azurite's basic OAuth doesn't). */
function makeJwt(payload: Record<string, unknown>): string {
  return `${base64Url({ alg: "RS256", typ: "JWT", kid: "fake" })}.${base64Url(payload)}.${base64Url("not-a-signature")}`;
}

function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split(".")[1];
  if (!part) return undefined;
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** The error body shape Entra ID's v2.0 token endpoint returns. */
function entraError(status: number, error: string, code: number, description: string) {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace("T", " ").replace("Z", "Z");
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

/**
 * Starts an HTTPS server on 127.0.0.1 (random port) that behaves like the parts of Entra ID and the
 * Defender API that `verify` touches:
 *
 * - `GET /{tenant}/v2.0/.well-known/openid-configuration` (MSAL's endpoint discovery; with
 *   `disableInstanceDiscovery` there is no instance-discovery call)
 * - `POST /{tenant}/oauth2/v2.0/token` (client credentials; answers with Entra's real error codes)
 * - `GET /api/machines` (Defender API: 200 with the role, 403 without, 401 for a token of the wrong audience)
 *
 * Apps with `echoSecret` make one of them answer with an error text that quotes the secret.
 */
export async function startFakeEntra(options: {
  readonly certPem: string;
  readonly keyPem: string;
  readonly apps: readonly FakeApp[];
}): Promise<FakeEntra> {
  const requests: RecordedRequest[] = [];
  const apps = options.apps;
  const tenants = new Set(apps.map((app) => app.tenantId));
  let url = "";

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parsed = new URL(req.url ?? "/", url);
    const segments = parsed.pathname.split("/").filter((s) => s.length > 0);
    const method = req.method ?? "GET";

    // OpenID configuration: /{tenant}/v2.0/.well-known/openid-configuration
    if (method === "GET" && segments.length === 4 && segments[1] === "v2.0" && segments[2] === ".well-known") {
      requests.push({ method, path: parsed.pathname });
      const tenant = segments[0]!;
      if (!tenants.has(tenant)) {
        const e = entraError(400, "invalid_tenant", 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
        sendJson(res, e.status, e.body);
        return;
      }
      sendJson(res, 200, {
        issuer: `${url}/${tenant}/v2.0`,
        authorization_endpoint: `${url}/${tenant}/oauth2/v2.0/authorize`,
        token_endpoint: `${url}/${tenant}/oauth2/v2.0/token`,
        end_session_endpoint: `${url}/${tenant}/oauth2/v2.0/logout`,
        jwks_uri: `${url}/${tenant}/discovery/v2.0/keys`,
        response_modes_supported: ["query", "fragment", "form_post"],
        token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      });
      return;
    }

    // Token endpoint: /{tenant}/oauth2/v2.0/token
    if (method === "POST" && segments.length === 4 && segments[1] === "oauth2" && segments[3] === "token") {
      const form = new URLSearchParams(await readBody(req));
      const tenant = segments[0]!;
      const clientId = form.get("client_id") ?? "";
      const scope = form.get("scope") ?? "";
      requests.push({ method, path: parsed.pathname, scope, grantType: form.get("grant_type") ?? undefined, clientId });
      if (!tenants.has(tenant)) {
        const e = entraError(400, "invalid_request", 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
        sendJson(res, e.status, e.body);
        return;
      }
      const app = apps.find((a) => a.tenantId === tenant && a.clientId === clientId);
      if (!app) {
        const e = entraError(400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
        sendJson(res, e.status, e.body);
        return;
      }
      if (app.echoSecret?.at === "token") {
        const echoed = `${longDescription(app.echoSecret.after)}${app.echoSecret.encode(form.get("client_secret") ?? "", clientId)}.`;
        const e =
          app.echoSecret.field === "code"
            ? entraError(401, echoed, 50012, "Client authentication failed at the fake token endpoint.")
            : entraError(401, "invalid_client", 50012, echoed);
        sendJson(res, e.status, e.body);
        return;
      }
      if (form.get("client_secret") !== app.secret && app.echoSecretInErrors) {
        const e = entraError(401, "invalid_client", 50012, `Authentication failed for client secret '${form.get("client_secret")}'.`);
        sendJson(res, e.status, e.body);
        return;
      }
      if (form.get("client_secret") !== app.secret) {
        const e = entraError(401, "invalid_client", 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
        sendJson(res, e.status, e.body);
        return;
      }
      if (app.secretExpired) {
        const e = entraError(401, "invalid_client", 7000222, `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`);
        sendJson(res, e.status, e.body);
        return;
      }
      const audience = scope.replace(/\/\.default$/, "");
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        aud: audience,
        iss: `https://sts.windows.net/${tenant}/`,
        iat: now - 60,
        nbf: now - 60,
        exp: now + 3600,
        appid: clientId,
        appidacr: "1",
        idtyp: "app",
        oid: randomUUID(),
        sub: randomUUID(),
        tid: tenant,
        ver: "1.0",
      };
      if (audience === DEFENDER_AUDIENCE && app.defenderRoles.length > 0) {
        payload.roles = [...app.defenderRoles];
      }
      sendJson(res, 200, { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: makeJwt(payload) });
      return;
    }

    // Defender API: /api/machines
    if (method === "GET" && parsed.pathname === "/api/machines") {
      const authorization = req.headers.authorization;
      requests.push({ method, path: `${parsed.pathname}${parsed.search}`, authorization });
      const token = authorization?.startsWith("Bearer ") ? authorization.slice("Bearer ".length) : undefined;
      const claims = token ? decodeJwtPayload(token) : undefined;
      if (!claims || claims.aud !== DEFENDER_AUDIENCE) {
        sendJson(res, 401, { error: { code: "Unauthorized", message: "Authorization has been denied for this request.", target: randomUUID() } });
        return;
      }
      const app = apps.find((a) => a.clientId === claims.appid && a.tenantId === claims.tid);
      const roles = Array.isArray(claims.roles) ? (claims.roles as unknown[]) : [];
      if (app?.echoSecret?.at === "defender") {
        const echoed = `${longDescription(app.echoSecret.after)}${app.echoSecret.encode(app.secret, app.clientId)}.`;
        const error = app.echoSecret.field === "code" ? { code: echoed, message: "Bad request." } : { code: "BadRequest", message: echoed };
        sendJson(res, 400, { error: { ...error, target: randomUUID() } });
        return;
      }
      const status = app?.defenderStatus ?? (roles.includes("Machine.Read.All") ? 200 : 403);
      if (status === 200) {
        sendJson(res, 200, {
          "@odata.context": `${url}/api/$metadata#Machines`,
          value: [{ id: "1e5bc9d7e413ddd7902c2932e418702b84d0cc07", computerDnsName: "host1.contoso.local", osPlatform: "Windows11" }],
        });
      } else if (status === 403) {
        sendJson(res, 403, {
          error: {
            code: "Forbidden",
            message: "The application does not have any of the required application roles (Machine.Read.All, Machine.ReadWrite.All) to access the resource.",
            target: randomUUID(),
          },
        });
      } else {
        sendJson(res, status, { error: { code: status === 401 ? "Unauthorized" : "InternalServerError", message: "Fake Defender API error.", target: randomUUID() } });
      }
      return;
    }

    requests.push({ method, path: parsed.pathname });
    sendJson(res, 404, { error: "not_found", error_description: `The fake has no ${method} ${parsed.pathname}.` });
  };

  const server = createServer({ cert: options.certPem, key: options.keyPem }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: "fake_failure", error_description: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
