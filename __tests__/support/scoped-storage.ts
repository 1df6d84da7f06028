import { request as httpsRequest, createServer, Server } from "node:https";
import type { AddressInfo } from "node:net";
import { sendStorageError } from "./fake-storage";

/** A running proxy in front of a blob endpoint that refuses some containers, as a scoped role does. */
export interface ScopedStorage {
  /** `https://127.0.0.1:<port>`: append `/<account>` (or use `/{account}` in verify's endpoint). */
  readonly origin: string;
  /** The requests it refused, as `<method> <path>`. */
  readonly refused: string[];
  /** The requests it passed on, as `<method> <path>`. */
  readonly forwarded: string[];
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Starts an HTTPS proxy on 127.0.0.1 in front of Azurite's blob service (path-style:
 * `/<account>/<container>/…`) that plays a role assignment scoped to some containers: a request
 * for any other container gets Azure Storage's answer to a token without a data role there, 403
 * `AuthorizationPermissionMismatch`; everything else goes to Azurite unchanged, bearer token and
 * all. Azurite itself checks no roles (its OAuth mode checks only a token's issuer, audience and
 * lifetime), so this is what a `Storage Blob Data Reader` on one container looks like to verify.
 */
export async function startScopedStorage(options: {
  readonly certPem: string;
  readonly keyPem: string;
  /** Azurite's blob origin, `https://127.0.0.1:<port>`. */
  readonly target: string;
  /** CA that signed Azurite's certificate. */
  readonly targetCa: string;
  /** The containers the role covers; every other container is refused. */
  readonly readableContainers: readonly string[];
}): Promise<ScopedStorage> {
  const target = new URL(options.target);
  const refused: string[] = [];
  const forwarded: string[] = [];
  const server = createServer({ cert: options.certPem, key: options.keyPem }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://proxy.invalid");
    const container = decodeURIComponent(url.pathname.split("/")[2] ?? "");
    const line = `${req.method ?? "GET"} ${url.pathname}`;
    if (!options.readableContainers.includes(container)) {
      refused.push(line);
      req.resume();
      sendStorageError(res, 403, "AuthorizationPermissionMismatch");
      return;
    }
    forwarded.push(line);
    const upstream = httpsRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        ca: options.targetCa,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      if (!res.headersSent) sendStorageError(res, 502, "ProxyError", String(error));
      else res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused,
    forwarded,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
