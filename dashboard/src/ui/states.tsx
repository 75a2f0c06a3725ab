import type { ComponentChildren } from 'preact';
import { RequestFailed } from '../api/client';

/** Loading, error and empty states, each announced to screen readers. */
export function Loading(props: { what: string }) {
  return (
    <p class="state loading" role="status" aria-live="polite" data-testid="loading">
      Loading {props.what}…
    </p>
  );
}

export function Failure(props: { error: Error; retry?: () => void }) {
  const code = props.error instanceof RequestFailed ? props.error.code : null;
  return (
    <div class="state failure" role="alert" data-testid="failure">
      <p>
        {props.error.message}
        {code ? <code class="code"> {code}</code> : null}
      </p>
      {props.retry ? (
        <button type="button" onClick={props.retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return (
    <p class="state empty" data-testid="empty">
      {props.children}
    </p>
  );
}
