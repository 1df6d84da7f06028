/**
 * Read-only REST access to Microsoft Graph and Azure Resource Manager with the caller's own
 * credential, through @azure/core-rest-pipeline: GETs only, each list followed through its
 * `nextLink` / `@odata.nextLink` pages, and no request ever leaves the endpoint's origin (a page
 * link elsewhere is refused, so the caller's token is sent nowhere else).
 */
import * as tls from "tls";
import type { TokenCredential } from "@azure/identity";
import { bearerTokenAuthenticationPolicy, createDefaultHttpClient, createPipelineFromOptions, createPipelineRequest, type HttpClient, type Pipeline } from "@azure/core-rest-pipeline";

/** A JSON object as the services return it. */
export type Json = { readonly [key: string]: unknown };

export const isJson = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** An answer that is neither a success nor a 404: the tool cannot go on. */
export class AzureRestError extends Error {
  public constructor(
    message: string,
    public readonly status: number,
    public readonly code: string | undefined,
  ) {
    super(message);
    this.name = "AzureRestError";
  }
}

/** Options of {@link AzureRest}. */
export interface AzureRestOptions {
  /** The caller's credential. */
  readonly credential: TokenCredential;
  /** The service's base URL (`https://graph.microsoft.com`, `https://management.azure.com`, or a fake's). */
  readonly endpoint: string;
  /**
   * The token scope.
   *
   * @default `${endpoint}/.default`
   */
  readonly scope?: string;
  /** Extra CA certificates (PEM) trusted besides Node's bundled roots. */
  readonly extraCaCertificates?: string;
  /**
   * Time limit of each request, in milliseconds.
   *
   * @default 30000
   */
  readonly timeoutMs?: number;
}

/** GETs from one service (Graph or ARM) as the caller. */
export class AzureRest {
  private readonly pipeline: Pipeline;
  private readonly client: HttpClient = createDefaultHttpClient();
  private readonly origin: string;
  private readonly base: string;
  private readonly timeoutMs: number;

  public constructor(
    /** The service's name in messages: "Microsoft Graph" or "Azure Resource Manager". */
    public readonly service: string,
    options: AzureRestOptions,
  ) {
    this.base = options.endpoint.replace(/\/+$/, "");
    this.origin = new URL(this.base).origin;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.pipeline = createPipelineFromOptions({
      retryOptions: { maxRetries: 2, retryDelayInMs: 500, maxRetryDelayInMs: 2_000 },
      userAgentOptions: { userAgentPrefix: "xshield-mde-cdktf-adopt" },
      // An explicit CA list replaces Node's roots: the bundled ones are kept next to the extra one.
      ...(options.extraCaCertificates !== undefined ? { tlsOptions: { ca: [...tls.rootCertificates, options.extraCaCertificates] } } : {}),
    });
    this.pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential: options.credential, scopes: [options.scope ?? `${this.base}/.default`] }));
  }

  /** One object, or undefined when the service answers 404. */
  public async get(path: string, query: { readonly [name: string]: string } = {}): Promise<Json | undefined> {
    return this.send(this.url(path, query));
  }

  /** Every item of a list, page after page. */
  public async list(path: string, query: { readonly [name: string]: string } = {}): Promise<Json[]> {
    const items: Json[] = [];
    let url: string | undefined = this.url(path, query);
    for (let page = 0; url !== undefined; page++) {
      if (page === 100) {
        throw new AzureRestError(`${this.service}: GET ${path} goes on for more than 100 pages; stopped.`, 0, undefined);
      }
      const body: Json | undefined = await this.send(url);
      if (body === undefined) {
        return items;
      }
      const value = body.value;
      if (Array.isArray(value)) {
        items.push(...value.filter(isJson));
      }
      const next = body.nextLink ?? body["@odata.nextLink"];
      url = typeof next === "string" && next !== "" ? next : undefined;
    }
    return items;
  }

  private url(path: string, query: { readonly [name: string]: string }): string {
    const search = new URLSearchParams(query).toString();
    return `${this.base}${path}${search === "" ? "" : `?${search}`}`;
  }

  private async send(url: string): Promise<Json | undefined> {
    const target = new URL(url);
    if (target.origin !== this.origin) {
      throw new AzureRestError(`${this.service} sent a page link to ${target.origin}, not ${this.origin}; not followed (the token is sent to ${this.origin} only).`, 0, undefined);
    }
    const shown = `${target.pathname}${target.search}`.replace(/%20/g, " ");
    const request = createPipelineRequest({ url, method: "GET", timeout: this.timeoutMs });
    request.headers.set("accept", "application/json");
    const response = await this.pipeline.sendRequest(this.client, request);
    if (response.status === 404) {
      return undefined;
    }
    let body: unknown;
    try {
      body = response.bodyAsText === undefined || response.bodyAsText === null || response.bodyAsText === "" ? {} : JSON.parse(response.bodyAsText);
    } catch {
      body = undefined;
    }
    if (response.status >= 200 && response.status < 300 && isJson(body)) {
      return body;
    }
    const error = isJson(body) && isJson(body.error) ? body.error : {};
    const code = typeof error.code === "string" ? error.code : undefined;
    const message = typeof error.message === "string" ? error.message.split("\n")[0]!.slice(0, 300) : "";
    throw new AzureRestError(
      `${this.service} answered ${response.status}${code !== undefined ? ` ${code}` : ""} to GET ${shown}${message !== "" ? `: ${message}` : ""}`,
      response.status,
      code,
    );
  }
}
