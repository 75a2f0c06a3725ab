import {
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { vendorCallPricingOf, type PricingContext } from './field-marks/vendor-call-pricing.js';
import { createRequestScope, currentRequestScope, runInRequestScope, type RequestScope } from '../common/request-scope.js';
import type { Caller } from '../common/caller.js';
import { deadlineSignalOf } from './request-deadline.js';

/** `MAX_VENDOR_CALLS_PER_OPERATION`'s default. */
export const DEFAULT_MAX_VENDOR_CALLS_PER_OPERATION = 10;

/** What {@link useDemandControl} is built from. */
export interface DemandControlOptions {
  /**
   * Most distinct vendor calls one operation may be estimated to cause; one estimated above it is
   * refused before anything runs. `MAX_VENDOR_CALLS_PER_OPERATION`, default 10.
   */
  maxVendorCallsPerOperation?: number;
  /** The caller of a request the identity edge let through. */
  callerOf(request: Request): Caller;
}

/** An operation refused before execution: it could cause more vendor calls than one operation may. */
export class OperationTooExpensiveError extends GraphQLError {
  readonly code = 'OPERATION_TOO_EXPENSIVE';

  constructor(estimated: number, limit: number) {
    super(
      `This operation could cause ${estimated} vendor calls; one operation may cause at most ${limit}. Split it, or ask for fewer distinct arguments.`,
      { extensions: { code: 'OPERATION_TOO_EXPENSIVE', estimatedVendorCalls: estimated, maxVendorCallsPerOperation: limit } },
    );
  }
}

/** `extensions.cost` of every answer. */
export interface OperationCost {
  vendorCalls: {
    /** The estimate before execution (0 when nothing executed: an answer from the response cache, a refusal at validation). */
    estimated: number;
    /** Attempts that left for a vendor for this request, retries included; cache hits and shared in-flight calls are 0. */
    actual: number;
  };
}

interface Served {
  scope: RequestScope;
  estimated: number;
}

/**
 * Demand control priced in vendor calls. Each operation runs in a request scope of its own
 * (`common/request-scope.ts`), so that the channels count the attempts they send for it and
 * charge them to its caller's share of each vendor's budget. Before execution the operation's
 * vendor calls are estimated from the schema's prices (`schema/vendor-call-pricing.ts`):
 * every field of the document through every fragment, `@skip`/`@include` counted as included,
 * arguments with variables and defaults, calls the request's DataLoaders share counted once.
 * Over the limit the operation is refused with one OPERATION_TOO_EXPENSIVE error and no vendor
 * call. Every answer carries `extensions.cost` (see {@link OperationCost}).
 */
export function useDemandControl(options: DemandControlOptions): Plugin {
  const { maxVendorCallsPerOperation = DEFAULT_MAX_VENDOR_CALLS_PER_OPERATION, callerOf } = options;
  const served = new WeakMap<Request, Served>();
  const unexecuted = new WeakMap<object, ExecutionResult>();
  return {
    instrumentation: {
      operation({ request, context }, wrapped) {
        // The HTTP request's scope (the access log's) holds its id; the operation's lines carry it too.
        const scope = createRequestScope(
          callerIdOf(callerOf(request), clientAddressOf(context)),
          deadlineSignalOf((context as { req?: unknown }).req),
          currentRequestScope()?.requestId ?? null,
        );
        served.set(request, { scope, estimated: 0 });
        return runInRequestScope(scope, wrapped);
      },
    },
    onExecute({ args, setResultAndStopExecution }) {
      const request = (args.contextValue as { request?: Request }).request;
      const entry = request === undefined ? undefined : served.get(request);
      if (entry === undefined) return;
      const { schema, document, operationName, variableValues } = args;
      entry.estimated = estimateVendorCalls(schema, document, operationName, variableValues, args.contextValue as unknown as PricingContext);
      if (entry.estimated > maxVendorCallsPerOperation) {
        setResultAndStopExecution({ errors: [new OperationTooExpensiveError(entry.estimated, maxVendorCallsPerOperation)] });
      }
    },
    onResultProcess({ request, result, setResult }) {
      // Batched requests are off (yoga's default).
      if (Array.isArray(result)) return;
      const entry = served.get(request);
      const costNow = (): OperationCost => ({ vendorCalls: { estimated: entry?.estimated ?? 0, actual: entry?.scope.vendorCalls ?? 0 } });
      // An answer in parts (`@defer`, `@stream`) states its cost in its last part, once every vendor call is made.
      if (isAsyncIterable(result)) return setResult(withCostOnLastPart(result, costNow));
      const cost = costNow();
      if (cost.vendorCalls.estimated !== 0 || cost.vendorCalls.actual !== 0) return setResult(withCost(result, cost));
      // A cached answer comes back as the same object on every hit: it is costed once.
      let costed = unexecuted.get(result);
      if (costed === undefined) unexecuted.set(result, (costed = withCost(result, UNEXECUTED_COST)));
      setResult(costed);
    },
  };
}

/** The cost of an answer nothing was executed for: one from the response cache. */
export const UNEXECUTED_COST: OperationCost = Object.freeze({ vendorCalls: Object.freeze({ estimated: 0, actual: 0 }) });

/** `result` as it is sent: with its `extensions.cost`. */
export function withCost<Result extends { extensions?: Record<string, unknown> | undefined }>(result: Result, cost: OperationCost): Result {
  return { ...result, extensions: { ...result.extensions, cost } };
}

/**
 * `parts` with the cost added to the last one. An iterator of its own rather than an async
 * generator: a generator's `return()` waits for the `next()` in progress, so a subscriber who
 * leaves while no event comes would keep its stream (and its place under the limits) open until
 * the next event; this one passes `return()` through at once.
 */
function withCostOnLastPart<Part extends { hasNext?: boolean; extensions?: Record<string, unknown> }>(
  parts: AsyncIterable<Part>,
  costNow: () => OperationCost,
): AsyncIterableIterator<Part> {
  const iterator = parts[Symbol.asyncIterator]();
  const costed = (step: IteratorResult<Part>): IteratorResult<Part> =>
    step.done === true || step.value.hasNext !== false ? step : { done: false, value: { ...step.value, extensions: { ...step.value.extensions, cost: costNow() } } };
  return {
    next: async () => costed(await iterator.next()),
    return: async (value?: unknown) => (iterator.return === undefined ? { done: true, value: value as Part } : iterator.return(value)),
    throw: async (error?: unknown) => {
      if (iterator.throw === undefined) throw error;
      return iterator.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Whose share of a vendor's budget a request spends: the API key's name or the JWT's `sub` (each
 * kind apart, so a key named like a sub is another caller); with auth off, the client's address
 * when the server knows it, else one anonymous caller.
 */
function callerIdOf(caller: Caller, clientAddress: string | null): string {
  if (caller.kind === 'api-key') return `api-key:${caller.name ?? ''}`;
  if (caller.kind === 'jwt') return `jwt:${caller.sub ?? caller.name ?? ''}`;
  return clientAddress === null ? 'anonymous' : `address:${clientAddress}`;
}

/** The peer address of a request served by Node's HTTP server (yoga's server context holds `req`); null otherwise. */
function clientAddressOf(context: unknown): string | null {
  const address = (context as { req?: { socket?: { remoteAddress?: unknown } } }).req?.socket?.remoteAddress;
  return typeof address === 'string' ? address : null;
}

/**
 * The distinct vendor calls an operation can cause (see {@link useDemandControl}). Operations and
 * variables that execution would refuse cost 0: it refuses them before any resolver runs.
 */
export function estimateVendorCalls(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
  context: PricingContext,
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors !== undefined) return 0;
  const variables = coerced.coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const calls = new Set<string>();
  // A price depends on arguments, not on where a field sits, so a selection set walked once on a
  // type adds nothing the second time: a fragment spread a million times is walked once.
  const walked = new WeakMap<SelectionSetNode, Set<GraphQLCompositeType>>();
  const walk = (selectionSet: SelectionSetNode, type: GraphQLCompositeType): void => {
    let types = walked.get(selectionSet);
    if (types === undefined) walked.set(selectionSet, (types = new Set()));
    if (types.has(type)) return;
    types.add(type);
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[selection.name.value] : undefined;
        if (field === undefined) continue;
        const pricing = vendorCallPricingOf(field);
        if (pricing !== undefined) {
          let args: Record<string, unknown> | undefined;
          try {
            args = getArgumentValues(field, selection, variables);
          } catch {
            // Execution refuses these arguments before resolving the field.
          }
          if (args !== undefined) for (const call of pricing(args, context)) calls.add(call);
        }
        const fieldType = getNamedType(field.type);
        if (selection.selectionSet !== undefined && isCompositeType(fieldType)) walk(selection.selectionSet, fieldType);
      } else {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        if (fragment === undefined) continue;
        const condition = fragment.typeCondition === undefined ? type : schema.getType(fragment.typeCondition.name.value);
        if (isCompositeType(condition)) walk(fragment.selectionSet, condition);
      }
    }
  };
  walk(operation.selectionSet, root);
  return calls.size;
}
