import { useEffect, useState } from "react";
import { currentSession, loginUrl, logOut, type SessionInfo } from "./auth/session";
import { idFrom, Link, useLocation } from "./lib/router";
import { AuditPage } from "./pages/audit/AuditPage";
import { BlastPage } from "./pages/blast/BlastPage";
import { ChangesPage } from "./pages/changes/ChangesPage";
import { HomePage } from "./pages/home/HomePage";
import { IncidentPage } from "./pages/incidents/IncidentPage";
import { IncidentsPage } from "./pages/incidents/IncidentsPage";
import { LoginPage } from "./pages/login/LoginPage";
import { SearchBox } from "./pages/home/SearchBox";
import { NodePage } from "./pages/node/NodePage";
import { OwnerPage } from "./pages/owner/OwnerPage";
import { DuePage } from "./pages/reviews/DuePage";
import { SpofPage } from "./pages/spof/SpofPage";
import { UpstreamPage } from "./pages/upstream/UpstreamPage";

function Page({ path, query, onLogin }: { path: string; query: URLSearchParams; onLogin: () => void }) {
  const under = (p: string) => path.startsWith(`/${p}/`) && path.length > p.length + 2;
  if (path === "/login") return <LoginPage query={query} onLogin={onLogin} />;
  if (path === "/") return <HomePage />;
  if (under("blast-radius")) return <BlastPage id={idFrom(path, "blast-radius")} query={query} />;
  if (under("upstream")) return <UpstreamPage id={idFrom(path, "upstream")} query={query} />;
  if (under("nodes")) return <NodePage id={idFrom(path, "nodes")} query={query} />;
  if (under("people")) return <OwnerPage key={path} id={idFrom(path, "people")} kind="person" />;
  if (under("teams")) return <OwnerPage key={path} id={idFrom(path, "teams")} kind="team" />;
  if (path === "/spof") return <SpofPage />;
  if (path === "/audit") return <AuditPage query={query} />;
  if (path === "/changes") return <ChangesPage query={query} />;
  if (path === "/incidents") return <IncidentsPage query={query} />;
  if (under("incidents")) return <IncidentPage key={path} id={idFrom(path, "incidents")} />;
  if (path === "/reviews/due") return <DuePage query={query} />;
  return (
    <>
      <h1>Not found</h1>
      <p>No page at <code>{path}</code>. <Link to="/">Start from the search.</Link></p>
    </>
  );
}

/** Who is logged in (loaded again after a log-in); off the log-in page, nobody means: log in. */
function useSession(path: string): { session: SessionInfo | null; refresh: () => void } {
  const [version, setVersion] = useState(0);
  const [session, setSession] = useState<SessionInfo | null>(null);
  const onLogin = path === "/login";
  useEffect(() => {
    if (onLogin) return;
    const ctl = new AbortController();
    currentSession(ctl.signal).then(
      (info) => {
        if (info === null) window.location.assign(loginUrl(window.location.pathname + window.location.search));
        else setSession(info);
      },
      () => undefined, // the pages show the API's own errors
    );
    return () => ctl.abort();
  }, [version, onLogin]);
  return { session, refresh: () => setVersion((v) => v + 1) };
}

export function App() {
  const { path, query } = useLocation();
  const { session, refresh } = useSession(path);
  useEffect(() => {
    document.title = `Steward${path === "/" ? "" : ` — ${decodeURIComponent(path.slice(1))}`}`;
  }, [path]);
  const leave = () => {
    logOut().finally(() => window.location.assign("/login"));
  };
  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <nav aria-label="Main">
          <Link to="/" className="brand">Steward</Link>
          <Link to="/spof">Single points of failure</Link>
          <Link to="/audit">Audit</Link>
          <Link to="/changes">Changes</Link>
          <Link to="/incidents">Incidents</Link>
          <Link to="/reviews/due">Reviews due</Link>
          <a href="/docs">API</a>
        </nav>
        {path !== "/" && path !== "/login" ? <SearchBox /> : null}
        {session && path !== "/login" ? (
          <div className="who" data-testid="who">
            <span>{session.actor} ({session.role})</span>
            {session.csrf ? <button type="button" onClick={leave}>Log out</button> : null}
          </div>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} query={query} onLogin={refresh} />
      </main>
    </>
  );
}
