import { redact } from '../../common/redact.js';
import { UpstreamBadResponseError } from '../../upstream/errors.js';
import type { UpstreamResponse } from '../../upstream/http.js';
import { parseJsonBody, parsePayload } from '../../upstream/json.js';
import type { Fetched, VendorChannel } from '../../upstream/vendor-channel.js';
import type { AccountUsage, Fresh } from '../../usage/model.js';
import { channelFor, endpointUrl, type VendorClient, type VendorClientOptions } from '../provider.js';
import { mapAccount, MappingError } from './account-mapping.js';
import { errorOfAnswer } from './answer-errors.js';
import { credentialPlacement, queryOf, secretsOf } from './call-request.js';
import type { CompiledCall, CompiledVendor } from './compile-vendor.js';
import { selectOne, type Selection } from './selection.js';

/** One page of a declared call: its JSON body and what pagination and the rate budget read from the answer. */
interface Page {
  body: unknown;
  /** The Link header's `rel="next"` target, when the answer had one. */
  nextLink: string | null;
  /** The vendor's own per-minute limit from a declared header. */
  headerRateLimit: number | null;
}

/**
 * The client of a vendor declared in a file: its calls go through the same channel as a built-in
 * vendor's (cache, single-flight, breaker, rate budget, deadline, retries), page by page, and
 * their answers are mapped with the file's compiled mapping. The credential goes only to the
 * base URL's origin, in the place the file's auth names; nothing it throws carries it.
 */
export class DeclaredClient implements VendorClient {
  readonly id: string;
  private readonly channel: VendorChannel;
  private readonly secrets: readonly string[];
  private readonly origin: string;

  constructor(
    private readonly vendor: CompiledVendor,
    private readonly options: VendorClientOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.id = vendor.file.id;
    this.channel = channelFor(this.id, options);
    this.secrets = secretsOf(vendor.file.auth, options.credential);
    this.origin = new URL(options.baseUrl).origin;
  }

  async fetchAccount(): Promise<Fresh<AccountUsage>> {
    const fetched = await Promise.all(this.vendor.calls.map((call) => this.fetchCall(call)));
    const answers: Record<string, unknown> = {};
    this.vendor.calls.forEach((call, index) => (answers[call.name] = fetched[index]!.value));
    let account: AccountUsage;
    try {
      account = mapAccount(this.id, this.vendor.mapping, answers);
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      throw new UpstreamBadResponseError(redact(`${this.id} answer broke its declared mapping: ${error.message}`, this.secrets), {
        provider: this.id,
        httpStatus: 200,
        // An answer that broke the mapping may still carry the request id the vendor's support asks for.
        upstreamRequestId: this.requestIdOf(answers),
      });
    }
    const fetchedAt = new Date(Math.min(...fetched.map((one) => one.fetchedAt.getTime())));
    const staleReason = fetched.find((one) => one.staleReason !== null)?.staleReason ?? null;
    return { value: account, fetchedAt, staleReason };
  }

  private requestIdOf(answers: Record<string, unknown>): string | null {
    const source = this.vendor.mapping.upstreamRequestId;
    if (source === null || source.kind !== 'path' || source.call === null) return null;
    const value = selectOne(source.selection, answers[source.call], 1);
    return typeof value === 'string' ? redact(value, this.secrets) : null;
  }

  /** Every page of `call` (at most its page cap), as one body whose item array holds all pages' items. */
  private async fetchCall(call: CompiledCall): Promise<Fetched<unknown>> {
    const query = queryOf(call.spec, this.now());
    const first = endpointUrl(this.options.baseUrl, call.spec.path, query);
    const pagination = call.pagination;
    const firstPage = await this.fetchPage(call, first);
    if (pagination === null) return { ...firstPage, value: firstPage.value.body };
    const pages = [firstPage];
    const seen = new Set<string>([first.href]);
    let offset = 0;
    let page = firstPage.value;
    while (pages.length < pagination.maxPages) {
      const items = itemsOf(page.body, pagination.items, this.id);
      let next: URL | null = null;
      if (pagination.kind === 'offset') {
        if (items.length < pagination.pageSize!) break;
        offset += pagination.pageSize!;
        next = endpointUrl(this.options.baseUrl, call.spec.path, { ...query, [pagination.param!]: String(offset) });
      } else if (pagination.kind === 'cursor') {
        const cursor = selectOne(pagination.next!, page.body, 0);
        if (cursor === undefined || cursor === null || cursor === '') break;
        if (typeof cursor !== 'string' && typeof cursor !== 'number') throw this.badPage('its next cursor is not a string or a number');
        next = endpointUrl(this.options.baseUrl, call.spec.path, { ...query, [pagination.param!]: String(cursor) });
      } else {
        const target = pagination.kind === 'linkHeader' ? page.nextLink : selectOne(pagination.next!, page.body, 0);
        if (target === undefined || target === null || target === '') break;
        if (typeof target !== 'string') throw this.badPage('its next page is not a URL');
        next = this.sameOriginUrl(target);
      }
      // A vendor that hands back a page already read would page forever: a broken answer, not a loop.
      if (seen.has(next.href)) throw this.badPage('it pointed back at a page already read');
      seen.add(next.href);
      const fetched = await this.fetchPage(call, next);
      pages.push(fetched);
      page = fetched.value;
    }
    const allItems = pages.flatMap((one) => itemsOf(one.value.body, pagination.items, this.id));
    return {
      value: withItems(firstPage.value.body, pagination.items, allItems),
      fetchedAt: new Date(Math.min(...pages.map((one) => one.fetchedAt.getTime()))),
      staleReason: pages.find((one) => one.staleReason !== null)?.staleReason ?? null,
    };
  }

  private fetchPage(call: CompiledCall, url: URL): Promise<Fetched<Page>> {
    const placement = credentialPlacement(this.vendor.file.auth, this.options.credential);
    const reported = this.vendor.reportedRateLimit;
    return this.channel.fetch<Page>({
      url,
      headers: placement.headers,
      ...(placement.query === undefined ? {} : { credentialQuery: placement.query }),
      interpret: (response) => this.pageOf(call, response),
      reportedRateLimit: (page) => {
        if (reported === null) return null;
        if ('header' in reported) return perMinute(page.headerRateLimit, reported.windowSeconds);
        const value = reported.body.kind === 'path' && reported.body.call === call.name ? selectOne(reported.body.selection, page.body, 1) : undefined;
        return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? perMinute(value, reported.windowSeconds) : null;
      },
    });
  }

  private pageOf(call: CompiledCall, response: UpstreamResponse): Page {
    const error = errorOfAnswer(this.id, this.vendor.errors, response, this.secrets);
    if (error !== null) throw error;
    const body = parseJsonBody(response, this.id, this.secrets);
    const contract = this.vendor.contracts.get(call.name);
    // Checked as a built-in vendor's answer is, so a drifted answer fails the same way; the
    // mapping reads the body as the vendor sent it, not zod's copy.
    if (contract !== undefined) {
      parsePayload(contract, body, {
        provider: this.id,
        what: `GET ${call.spec.path}`,
        httpStatus: response.status,
        upstreamRequestId: this.requestIdOf({ [call.name]: body }),
        secrets: this.secrets,
      });
    }
    const reported = this.vendor.reportedRateLimit;
    const headerValue = reported !== null && 'header' in reported ? Number(response.headers[reported.header]) : NaN;
    return { body, nextLink: nextLinkOf(response.headers.link), headerRateLimit: Number.isSafeInteger(headerValue) && headerValue > 0 ? headerValue : null };
  }

  /** `target` resolved against the base URL; a page on another origin would take the credential there, so it is refused. */
  private sameOriginUrl(target: string): URL {
    let url: URL;
    try {
      url = new URL(target, `${this.origin}/`);
    } catch {
      throw this.badPage('its next page is not a URL');
    }
    if (url.origin !== this.origin) throw this.badPage('its next page is on another origin, where the credential is never sent');
    return url;
  }

  private badPage(reason: string): UpstreamBadResponseError {
    return new UpstreamBadResponseError(`${this.id} pagination stopped: ${reason}`, { provider: this.id, httpStatus: 200 });
  }
}

/** A limit the vendor counts over `windowSeconds` as the budget's per-minute share; a spent share is still one call. */
function perMinute(limit: number | null, windowSeconds: number): number | null {
  return limit === null ? null : Math.max(1, Math.floor((limit * 60) / windowSeconds));
}

function itemsOf(body: unknown, items: Selection, provider: string): unknown[] {
  const value = selectOne(items, body, 0);
  if (!Array.isArray(value)) throw new UpstreamBadResponseError(`${provider} page has no array at ${items.text}`, { provider, httpStatus: 200 });
  return value;
}

/** `body` with the array at `items` replaced by `all`, copying only the objects on the way. */
function withItems(body: unknown, items: Selection, all: unknown[]): unknown {
  const replace = (value: unknown, step: number): unknown => {
    if (step === items.steps.length) return all;
    const current = items.steps[step]!;
    if (current.kind === 'member' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return { ...value, [current.name]: replace((value as Record<string, unknown>)[current.name], step + 1) };
    }
    if (current.kind === 'index' && Array.isArray(value)) {
      const copy = [...value];
      copy[current.index] = replace(value[current.index], step + 1);
      return copy;
    }
    return value;
  };
  return replace(body, 0);
}

/** The `rel="next"` target of a Link header, read without a regular expression. */
function nextLinkOf(header: string | string[] | undefined): string | null {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (text === undefined) return null;
  for (const part of text.split(',')) {
    const open = part.indexOf('<');
    const close = part.indexOf('>', open + 1);
    if (open < 0 || close < 0) continue;
    const params = part.slice(close + 1).split(';').map((param) => param.trim().toLowerCase().replaceAll(' ', ''));
    if (params.includes('rel="next"') || params.includes('rel=next')) return part.slice(open + 1, close);
  }
  return null;
}
