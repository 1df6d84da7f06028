/**
 * Read-only GETs against Azure Resource Manager and Microsoft Graph for `verify --drift`, with
 * the caller's token, through @azure/core-rest-pipeline (retries, TLS settings, bearer tokens).
 * Answers are returned as status, headers and parsed JSON; what of them may be printed is decided
 * by the caller (safe-fields.ts).
 */
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpHeaders,
  type TlsSettings,
} from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";

/** One answer: the status, the headers, and the body parsed as JSON (undefined when it is not). */
export interface RestAnswer {
  readonly status: number;
  readonly headers: HttpHeaders;
  readonly json: unknown;
}

/** A list's items, or the answer that ended the listing when it was not 200. */
export type RestList = { readonly ok: true; readonly items: readonly unknown[] } | { readonly ok: false; readonly answer: RestAnswer };

/** GETs with a bearer token for one API. */
export interface RestClient {
  /** GET `path` (below the endpoint, with its query). */
  get(path: string): Promise<RestAnswer>;
  /** GET a list, following `nextLink` / `@odata.nextLink` on the same endpoint (at most 20 pages). */
  list(path: string): Promise<RestList>;
}

/** Options of {@link restClient}. */
export interface RestClientOptions {
  /** The API's base URL: `https://management.azure.com`, `https://graph.microsoft.com/v1.0`. */
  readonly endpoint: string;
  /** The token's scope: `https://management.azure.com/.default`. */
  readonly scope: string;
  readonly credential: TokenCredential;
  readonly tls?: TlsSettings;
  readonly timeoutMs: number;
}

const MAX_PAGES = 20;

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A client for one API; the token is asked for once and cached by the pipeline. */
export function restClient(options: RestClientOptions): RestClient {
  const pipeline = createPipelineFromOptions({
    retryOptions: { maxRetries: 1, retryDelayInMs: 500, maxRetryDelayInMs: 2_000 },
    ...(options.tls !== undefined ? { tlsOptions: options.tls } : {}),
  });
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential: options.credential, scopes: [options.scope] }));
  const http = createDefaultHttpClient();
  const origin = new URL(options.endpoint).origin;

  const getUrl = async (url: string): Promise<RestAnswer> => {
    const request = createPipelineRequest({
      url,
      method: "GET",
      timeout: options.timeoutMs,
      headers: createHttpHeaders({ accept: "application/json" }),
    });
    const response = await pipeline.sendRequest(http, request);
    return { status: response.status, headers: response.headers, json: parseJson(response.bodyAsText ?? undefined) };
  };

  return {
    get: (path) => getUrl(`${options.endpoint}${path}`),
    list: async (path) => {
      const items: unknown[] = [];
      let url: string | undefined = `${options.endpoint}${path}`;
      for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
        const answer = await getUrl(url);
        if (answer.status !== 200) return { ok: false, answer };
        const body = typeof answer.json === "object" && answer.json !== null ? (answer.json as Record<string, unknown>) : {};
        if (Array.isArray(body.value)) items.push(...(body.value as unknown[]));
        const next = body.nextLink ?? body["@odata.nextLink"];
        // The token goes only where it was meant to: a next page on another host is not followed.
        url = typeof next === "string" && next.startsWith(`${origin}/`) ? next : undefined;
      }
      return { ok: true, items };
    },
  };
}
