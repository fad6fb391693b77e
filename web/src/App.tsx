import { useEffect } from "react";
import { idFrom, Link, useLocation } from "./lib/router";
import { AuditPage } from "./pages/audit/AuditPage";
import { BlastPage } from "./pages/blast/BlastPage";
import { HomePage } from "./pages/home/HomePage";
import { SearchBox } from "./pages/home/SearchBox";
import { NodePage } from "./pages/node/NodePage";
import { OwnerPage } from "./pages/owner/OwnerPage";
import { DuePage } from "./pages/reviews/DuePage";
import { SpofPage } from "./pages/spof/SpofPage";
import { UpstreamPage } from "./pages/upstream/UpstreamPage";

function Page({ path, query }: { path: string; query: URLSearchParams }) {
  const under = (p: string) => path.startsWith(`/${p}/`) && path.length > p.length + 2;
  if (path === "/") return <HomePage />;
  if (under("blast-radius")) return <BlastPage id={idFrom(path, "blast-radius")} query={query} />;
  if (under("upstream")) return <UpstreamPage id={idFrom(path, "upstream")} query={query} />;
  if (under("nodes")) return <NodePage id={idFrom(path, "nodes")} />;
  if (under("people")) return <OwnerPage key={path} id={idFrom(path, "people")} kind="person" />;
  if (under("teams")) return <OwnerPage key={path} id={idFrom(path, "teams")} kind="team" />;
  if (path === "/spof") return <SpofPage />;
  if (path === "/audit") return <AuditPage query={query} />;
  if (path === "/reviews/due") return <DuePage query={query} />;
  return (
    <>
      <h1>Not found</h1>
      <p>No page at <code>{path}</code>. <Link to="/">Start from the search.</Link></p>
    </>
  );
}

export function App() {
  const { path, query } = useLocation();
  useEffect(() => {
    document.title = `Steward${path === "/" ? "" : ` — ${decodeURIComponent(path.slice(1))}`}`;
  }, [path]);
  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <nav aria-label="Main">
          <Link to="/" className="brand">Steward</Link>
          <Link to="/spof">Single points of failure</Link>
          <Link to="/audit">Audit</Link>
          <Link to="/reviews/due">Reviews due</Link>
          <a href="/docs">API</a>
        </nav>
        {path !== "/" ? <SearchBox /> : null}
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} query={query} />
      </main>
    </>
  );
}
