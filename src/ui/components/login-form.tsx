import { useState } from 'preact/hooks';
import type { SignedIn } from '../api/auth.ts';

interface Props {
  /** Who is signed in, if anyone. */
  signedIn: SignedIn | undefined;
  onSignIn: (user: string, password: string) => Promise<void>;
  onSignOut: () => void;
}

/**
 * Shown while auth is on: a user and password (sent with every v2 call as etcd's v2 auth wants,
 * and traded for a v3 token when v3 auth is on), or who is signed in and a way out. Until
 * someone signs in, the console reads as etcd's guest.
 */
export function LoginForm({ signedIn, onSignIn, onSignOut }: Props) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  if (signedIn !== undefined) {
    return (
      <span class="login signed-in" data-signed-in={signedIn.user}>
        signed in as <strong>{signedIn.user}</strong>
        {signedIn.v3 && <span class="badge">v3 token</span>}
        <button type="button" class="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </span>
    );
  }
  return (
    <form
      class="login"
      aria-label="sign in"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        onSignIn(user, password)
          .then(() => {
            setPassword('');
            setError(undefined);
          })
          .catch((failure: Error) => setError(failure.message))
          .finally(() => setBusy(false));
      }}
    >
      <span class="muted">auth is on: reading as guest</span>
      <input name="user" placeholder="user" autocomplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} required />
      <input name="password" type="password" placeholder="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      {error !== undefined && <span class="error">{error}</span>}
    </form>
  );
}
