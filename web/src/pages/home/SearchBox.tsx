import { useEffect, useId, useState, type FormEvent, type KeyboardEvent } from "react";
import { apiGet } from "../../api/client";
import { arr, nodeRef, type NodeRef } from "../../api/model";
import { KindBadge } from "../../components";
import { navigate, nodeUrl, pageUrl } from "../../lib/router";

/** Where a search hit leads: artifacts to their blast radius, people and teams to their page. */
function target(hit: NodeRef): string {
  return hit.kind === "Person" || hit.kind === "Team" ? nodeUrl(hit.id) : pageUrl("blast-radius", hit.id);
}

export function SearchBox({ autoFocus = false }: { autoFocus?: boolean }) {
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<NodeRef[]>([]);
  const [active, setActive] = useState(-1);
  const listId = useId();
  useEffect(() => {
    const term = q.trim();
    if (!term) {
      setHits([]);
      return;
    }
    const ctl = new AbortController();
    const t = setTimeout(() => {
      apiGet("/api/v1/search", { query: { q: term, limit: 12 }, signal: ctl.signal })
        .then((body) => {
          setHits(arr((body as { results?: unknown }).results).map(nodeRef));
          setActive(-1);
        })
        .catch(() => undefined);
    }, 150);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [q]);

  const go = (hit: NodeRef | undefined) => {
    if (!hit) return;
    setHits([]);
    setQ("");
    navigate(target(hit));
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setActive((a) => Math.min(hits.length - 1, a + 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(-1, a - 1));
    } else if (e.key === "Escape") setHits([]);
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    go(hits[active >= 0 ? active : 0]);
  };
  return (
    <form role="search" onSubmit={onSubmit} className="search">
      <label htmlFor={`${listId}-q`}>Search ids, names, aliases, e-mails</label>
      <input id={`${listId}-q`} type="search" value={q} autoFocus={autoFocus} autoComplete="off"
        onChange={(e) => setQ(e.target.value)} onKeyDown={onKey}
        role="combobox" aria-expanded={hits.length > 0} aria-controls={`${listId}-list`} aria-autocomplete="list"
        aria-activedescendant={active >= 0 ? `${listId}-${active}` : undefined} />
      <button type="submit">Go</button>
      {hits.length > 0 ? (
        <ul id={`${listId}-list`} role="listbox" className="hits" aria-label="Search results">
          {hits.map((h, i) => (
            <li key={h.id} id={`${listId}-${i}`} role="option" aria-selected={i === active}
              className={i === active ? "active" : undefined} onMouseDown={(e) => { e.preventDefault(); go(h); }}>
              <KindBadge kind={h.kind} /> <span className="hit-name">{h.name}</span> <code>{h.id}</code>
            </li>
          ))}
        </ul>
      ) : null}
    </form>
  );
}
