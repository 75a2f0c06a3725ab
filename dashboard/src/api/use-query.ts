import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { TypedDocumentString } from '../gql/graphql';
import { execute, SignInRequired, type Answer } from './client';

/** Sent on `window` when the gateway refuses the credential: the app shows its sign-in form. */
export const SIGN_IN_REQUIRED_EVENT = 'dashboard:sign-in-required';

/** A query's state in a view: loading (first time), its answer, or why there is none. */
export type QueryState<TResult> =
  | { status: 'loading' }
  | { status: 'done'; answer: Answer<TResult>; refreshing: boolean }
  | { status: 'failed'; error: Error };

/** The state, and the variables (as JSON) it answers: another view's answer is never shown as this one's. */
type KeyedState<TResult> = QueryState<TResult> & { key: string };

/**
 * Runs a document when the view mounts and whenever `variables` change (compared as JSON);
 * `refetch` runs it again, keeping the shown answer until the new one arrives. After a change of
 * variables the state is loading until their own answer arrives: the previous answer belongs to
 * another vendor, user or range, and shown under the new heading it would mislabel every number.
 * A refused credential is also announced with {@link SIGN_IN_REQUIRED_EVENT}.
 */
export function useQuery<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables?: TVariables,
  options: { skip?: boolean } = {},
): QueryState<TResult> & { refetch: () => void } {
  const key = JSON.stringify(variables ?? {});
  const [state, setState] = useState<KeyedState<TResult>>({ status: 'loading', key });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    if (options.skip) return;
    const controller = new AbortController();
    const run = ++latest.current;
    setState((previous) => (previous.status === 'done' && previous.key === key ? { ...previous, refreshing: true } : { status: 'loading', key }));
    execute(document, variables, controller.signal).then(
      (answer) => run === latest.current && setState({ status: 'done', answer, refreshing: false, key }),
      (error: Error) => {
        if (run !== latest.current || error.name === 'AbortError') return;
        if (error instanceof SignInRequired) window.dispatchEvent(new CustomEvent(SIGN_IN_REQUIRED_EVENT, { detail: error.message }));
        setState({ status: 'failed', error, key });
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [document, key, generation, options.skip]);
  const refetch = useCallback(() => setGeneration((value) => value + 1), []);
  // The render right after a change of variables comes before the effect above: it shows loading too.
  if (state.key !== key) return { status: 'loading', refetch };
  return { ...state, refetch };
}
