import { randomUUID } from "node:crypto";
import { createServer, Server } from "node:https";
import type { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the fake received. */
export interface StorageRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization?: string;
}

/** A running fake storage endpoint that refuses every request with one Azure Storage error. */
export interface FakeStorage {
  /** `https://127.0.0.1:<port>/<account>`: usable as a blob or queue endpoint. */
  readonly endpoint: string;
  readonly requests: StorageRequest[];
  readonly server: Server;
  close(): Promise<void>;
}

/** The messages Azure Storage sends with these codes. */
const MESSAGES: Readonly<Record<string, string>> = {
  AuthorizationFailure: "This request is not authorized to perform this operation.",
  AuthorizationPermissionMismatch: "This request is not authorized to perform this operation using this permission.",
};

/** `text` as XML character data. */
function xmlText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Answers the way Azure Storage answers when it refuses a request: the status, an
 * `x-ms-error-code` header and the `<Error>` XML body (with Azure's own message for the code
 * unless `message` is given).
 */
export function sendStorageError(res: ServerResponse, status: number, errorCode: string, message?: string): void {
  const requestId = randomUUID();
  const text = xmlText(message ?? MESSAGES[errorCode] ?? "The request failed.");
  const body =
    `\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${errorCode}</Code>` +
    `<Message>${text}\nRequestId:${requestId}\nTime:${new Date().toISOString()}</Message></Error>`;
  res.writeHead(status, {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
    "x-ms-error-code": errorCode,
    "x-ms-request-id": requestId,
    "x-ms-version": "2025-11-05",
    server: "Windows-Azure-Queue/1.0 Microsoft-HTTPAPI/2.0",
  });
  res.end(body);
}

/**
 * Starts an HTTPS server on 127.0.0.1 that answers every request the way Azure Storage answers
 * when it refuses one ({@link sendStorageError}). Used for the two 403s Azurite cannot produce:
 * the firewall (`AuthorizationFailure`) and a missing data role (`AuthorizationPermissionMismatch`).
 */
export async function startFakeStorage(options: {
  readonly certPem: string;
  readonly keyPem: string;
  readonly account: string;
  readonly status: number;
  readonly errorCode: string;
  /**
   * The error's `<Message>` text instead of Azure Storage's own for the code, read at each request
   * (a test may change what it returns between runs).
   */
  readonly message?: () => string;
  /** The error code instead of `errorCode`, read at each request (a server that puts free text where a code belongs). */
  readonly code?: () => string | undefined;
}): Promise<FakeStorage> {
  const requests: StorageRequest[] = [];
  const server = createServer({ cert: options.certPem, key: options.keyPem }, (req, res) => {
    requests.push({ method: req.method ?? "GET", url: req.url ?? "/", authorization: req.headers.authorization });
    req.resume();
    sendStorageError(res, options.status, options.code?.() ?? options.errorCode, options.message?.());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `https://127.0.0.1:${port}/${options.account}`,
    requests,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
