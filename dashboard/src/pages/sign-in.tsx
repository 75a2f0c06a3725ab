import { useState } from 'preact/hooks';
import { storeCredential } from '../api/credential';

/**
 * The sign-in form: a JWT or an API key, kept in this tab's session storage only. Shown when the
 * gateway refuses the request's credential (or there is none); no data is shown beside it.
 */
export function SignIn(props: { reason: string | null; onSignedIn: () => void }) {
  const [value, setValue] = useState('');
  const [refusedStorage, setRefusedStorage] = useState(false);
  return (
    <main id="main" class="sign-in" data-testid="sign-in">
      <h1>Sign in</h1>
      <p>This gateway needs a credential: paste a token (JWT) or an API key.</p>
      {props.reason ? (
        <p class="state failure" role="alert" data-testid="sign-in-reason">
          {props.reason}
        </p>
      ) : null}
      {refusedStorage ? (
        <p class="state failure" role="alert" data-testid="sign-in-storage-refused">
          This browser refuses to keep the credential for this tab (session storage is blocked), and the dashboard keeps it nowhere else. Allow site data for this
          address, or use a normal window.
        </p>
      ) : null}
      {/* POST, so that a submit the script did not catch could never put the credential in a URL. */}
      <form
        method="post"
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim() === '') return;
          try {
            storeCredential(value);
          } catch {
            // Session storage refused (some private modes, a storage policy): the credential is
            // kept nowhere else, so say why signing in cannot work rather than do nothing.
            setRefusedStorage(true);
            return;
          }
          setRefusedStorage(false);
          setValue('');
          props.onSignedIn();
        }}
      >
        <label for="credential">Token or API key</label>
        <input id="credential" name="credential" type="password" autocomplete="off" spellcheck={false} value={value} onInput={(event) => setValue(event.currentTarget.value)} required />
        <button type="submit">Sign in</button>
      </form>
      <p class="hint">It is kept for this browser tab only and sent to this gateway alone.</p>
    </main>
  );
}
