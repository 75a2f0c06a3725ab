import type { z } from 'zod';
import type { Logger } from '../common/logger.js';
import type { SimulatorHandle, SimulatorOptions } from '../simulators/types.js';
import type { AccountUsage, Fresh } from '../usage/model.js';
import type { VendorClient, VendorClientOptions } from './provider.js';
import { vendorCallKey } from './request-loaders.js';

/** A vendor's own environment variables, by name, each a zod schema of the variable's text. */
export type VendorSettingsShape = Record<string, z.ZodType<unknown, string | undefined>>;

/** The parsed values of a vendor's own variables, keyed by variable name. */
export type VendorSettings<Shape extends VendorSettingsShape> = { [Name in keyof Shape]: z.output<Shape[Name]> };

/**
 * What the entry hands a vendor's background service beyond the vendor's own settings (a shared
 * database, the metrics' observers). Empty here, so that this module names no service's types: a
 * vendor module whose service needs more declares its entries by merging into this interface.
 */
export interface ServiceWiring {}

/**
 * What a running background service offers the rest of the gateway (the Arrays module: its
 * partner ledger, which the schema's ledger fields read). Declared by merging, like ServiceWiring.
 */
export interface ServiceOffers {}

/** What a vendor's background service is started with. */
export interface VendorServiceInput<Client, Settings> extends ServiceWiring {
  /** A client of its own on the vendor's shared channel, whose calls are background ones. */
  client: Client;
  /** The vendor's own variables, parsed. */
  settings: Settings;
  /** `DATA_DIR`: where a service keeps its files. */
  dataDir: string;
  logger: Logger;
}

/** A running background service of a vendor, with what it offers (see ServiceOffers). */
export interface RunningVendorService extends ServiceOffers {
  close(): Promise<void>;
}

/**
 * Everything the gateway needs of one vendor, in one object. The registry, configuration, server,
 * simulators, the test harness and the benchmark iterate over a table of these (`VENDORS`), so a
 * new vendor is one folder with an `index.ts` and one line in that table.
 */
export interface VendorModule<
  Key extends string = string,
  Client extends VendorClient = VendorClient,
  Loaders extends object = object,
  Simulator extends SimulatorHandle = SimulatorHandle,
  Settings extends VendorSettingsShape = VendorSettingsShape,
> {
  /** The `ProviderId` enum value and the prefix of the vendor's variables, e.g. `SHARPE`. */
  readonly id: string;
  /** Property name of the vendor's simulator in a set of simulators, e.g. `sharpe`. */
  readonly key: Key;
  /** Display name, e.g. `Sharpe`. */
  readonly name: string;
  /** Names of the variables holding the vendor's credential and base URL. */
  readonly env: { readonly credential: string; readonly baseUrl: string };
  /** Production base URL; null when the vendor publishes none (its base URL variable is then required). */
  readonly defaultBaseUrl: string | null;
  /**
   * Requests per minute the gateway sends the vendor per credential: `default` against the real
   * vendor (its documented or most cautious tier), `demo` against its simulator.
   */
  readonly rateLimitPerMinute: { readonly default: number; readonly demo: number };
  /**
   * How long the vendor's answers are cached, seconds, unless `<ID>_CACHE_TTL_SECONDS` says
   * otherwise. Default: `UPSTREAM_CACHE_TTL_SECONDS`.
   */
  readonly cacheTtlSeconds?: number;
  /** The vendor's own tunables beyond credential and base URL (validated with the rest of the configuration). */
  readonly settings: Settings;
  /** A credential the vendor's simulator accepts, used in demo mode. */
  readonly demoCredential: string;
  /** The vendor's client over the shared channel. */
  createClient(options: VendorClientOptions): Client;
  /** Starts the vendor's simulator on loopback. */
  startSimulator(options: SimulatorOptions & Record<string, unknown>): Promise<Simulator>;
  /**
   * Per-request loaders of the vendor's own calls (every distinct call of one operation happens
   * once), for vendors with root fields of their own. Default: none.
   */
  createLoaders?(client: Client): Loaders;
  /**
   * The account overview through the request's loaders, so that `account` and the vendor's own
   * root fields in one operation share one upstream call. Default: the client's `fetchAccount()`.
   */
  account?(loaders: Loaders): Promise<Fresh<AccountUsage>>;
  /**
   * The distinct calls one account costs, named with `vendorCallKey`: a call the vendor's own root
   * fields make too carries the same name, since the request's loaders share it. Demand control
   * prices `account` and `accounts` with these. Default: one call of the account's own.
   */
  readonly accountCalls?: readonly string[];
  /** A background service the vendor needs (Arrays: its partner ledger); most vendors have none. */
  startService?(input: VendorServiceInput<Client, VendorSettings<Settings>>): Promise<RunningVendorService>;
}

/** A vendor module of any vendor, as the wiring code holds them. */
export type AnyVendorModule = VendorModule<string, any, any, any, any>;

/** The calls one account of `vendor` costs (see `accountCalls`). */
export function accountCallsOf(vendor: Pick<AnyVendorModule, 'id' | 'accountCalls'>): readonly string[] {
  return vendor.accountCalls ?? [vendorCallKey(vendor.id, 'account')];
}

/** The client type of a vendor module. */
export type ClientOf<M extends AnyVendorModule> = ReturnType<M['createClient']>;
/** The per-request loaders of a vendor module. */
export type LoadersOf<M extends AnyVendorModule> = ReturnType<NonNullable<M['createLoaders']>>;
/** The simulator handle of a vendor module. */
export type SimulatorOf<M extends AnyVendorModule> = Awaited<ReturnType<M['startSimulator']>>;

/** The simulators of a table of vendor modules, by each module's `key`. */
export type SimulatorsOf<Vendors extends readonly AnyVendorModule[]> = {
  [M in Vendors[number] as M['key']]: SimulatorOf<M>;
};

/** Declares a vendor module, keeping its literal `key` and its own types for the table. */
export function defineVendor<
  const Key extends string,
  Client extends VendorClient,
  Loaders extends object,
  Simulator extends SimulatorHandle,
  Settings extends VendorSettingsShape,
>(module: VendorModule<Key, Client, Loaders, Simulator, Settings>): VendorModule<Key, Client, Loaders, Simulator, Settings> {
  return module;
}
