import { useState, type FormEvent } from "react";
import { logIn, safeNext } from "../../auth/session";
import { navigate } from "../../lib/router";

/** The log-in form: an API token (from `steward token create`) opens a session. */
export function LoginPage({ query, onLogin }: { query: URLSearchParams; onLogin: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    logIn(token).then(
      () => {
        setToken("");
        onLogin();
        navigate(safeNext(query.get("next")), { replace: true });
      },
      (err: unknown) => {
        setError(err instanceof Error ? err.message : String(err));
        setBusy(false);
      },
    );
  };
  return (
    <>
      <h1>Log in</h1>
      <p className="lede">
        Steward needs an API token. Ask an admin for one, or make one where the store is:{" "}
        <code>steward token create --person YOU --role viewer</code>.
      </p>
      <form className="card login" onSubmit={submit} data-testid="login-form">
        <label htmlFor="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="off" spellCheck={false} required
               value={token} onChange={(e) => setToken(e.target.value)} placeholder="stw_…" />
        <button type="submit" disabled={busy || !token.trim()}>Log in</button>
        {error ? <p role="alert" className="bad" data-testid="login-error">{error}</p> : null}
      </form>
    </>
  );
}
