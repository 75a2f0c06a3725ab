import { useEngine } from '@envelop/core';
import { normalizedExecutor } from '@graphql-tools/executor';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import {
  BREAK,
  execute,
  GraphQLError,
  parse,
  subscribe,
  validate,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

/** What {@link incrementalDeliveryPlugins} is built from. */
export interface IncrementalDeliveryOptions {
  /** The gateway's error mask (yoga's `maskedErrors.maskError`), applied to the errors of every later part too. */
  maskError(error: unknown): Error;
}

/** The directives that make an operation's answer arrive in parts. */
const INCREMENTAL_DIRECTIVES: ReadonlySet<string> = new Set(['defer', 'stream']);

const incremental = new WeakMap<DocumentNode, boolean>();

/** True when `document` uses `@defer` or `@stream` anywhere (whatever their `if`); cached per parsed document. */
export function usesIncrementalDelivery(document: DocumentNode): boolean {
  let answer = incremental.get(document);
  if (answer === undefined) {
    answer = false;
    visit(document, {
      Directive(node) {
        if (!INCREMENTAL_DIRECTIVES.has(node.name.value)) return undefined;
        answer = true;
        return BREAK;
      },
    });
    incremental.set(document, answer);
  }
  return answer;
}

/**
 * One operation's execution: graphql-js's `execute`, which keeps response keys in the order the
 * query asked for them, unless the document uses `@defer`/`@stream`, which graphql-js 16 cannot
 * execute. Those go to `@graphql-tools/executor` (yoga's default executor, which implements the
 * 2022-08-24 incremental delivery draft that yoga's multipart answer and Apollo Client's
 * `Defer20220824Handler` speak); its answers hold keys in the order their resolvers finished.
 */
export function executeOperation(args: ExecutionArgs): ReturnType<typeof execute> | ReturnType<typeof normalizedExecutor> {
  return usesIncrementalDelivery(args.document) ? normalizedExecutor(args) : execute(args);
}

/**
 * `@defer` and `@stream` (yoga's `useDeferStream`: the directives in the schema, their validation
 * rules) and the execution engine that serves them (see {@link executeOperation}). Later parts are
 * masked like the first: yoga's mask reads only a result's top-level `errors`, and a deferred
 * fragment's errors travel in `incremental[].errors`.
 */
export function incrementalDeliveryPlugins({ maskError }: IncrementalDeliveryOptions): Plugin[] {
  return [
    // The transport (graphql-tools' result shape, yoga's multipart and SSE writers) is yoga's own.
    useDeferStream() as Plugin,
    useEngine({ execute: executeOperation, subscribe, parse, validate }) as Plugin,
    {
      onExecute() {
        return {
          onExecuteDone({ result }) {
            if (!isAsyncIterable(result)) return undefined;
            return {
              onNext({ result: part, setResult }) {
                const masked = maskIncremental(part as IncrementalPart, maskError);
                if (masked !== part) setResult(masked as ExecutionResult);
              },
            };
          },
        };
      },
    },
  ];
}

/** A part after the first: graphql-tools' `SubsequentIncrementalExecutionResult`. */
interface IncrementalPart extends ExecutionResult {
  incremental?: ReadonlyArray<{ errors?: ReadonlyArray<GraphQLError> } & Record<string, unknown>>;
}

function maskIncremental(part: IncrementalPart, maskError: (error: unknown) => Error): IncrementalPart {
  if (part.incremental === undefined || !part.incremental.some((entry) => entry.errors !== undefined)) return part;
  return {
    ...part,
    incremental: part.incremental.map((entry) =>
      entry.errors === undefined ? entry : { ...entry, errors: entry.errors.map((error) => toGraphQLError(maskError(error))) },
    ),
  };
}

function toGraphQLError(error: Error): GraphQLError {
  return error instanceof GraphQLError ? error : new GraphQLError(error.message);
}
