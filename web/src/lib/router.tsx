// A tiny history router: the URL is the state (path + query), so every view is a deep link.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from "react";

const EVENT = "steward:navigate";

function subscribe(callback: () => void): () => void {
  window.addEventListener("popstate", callback);
  window.addEventListener(EVENT, callback);
  return () => {
    window.removeEventListener("popstate", callback);
    window.removeEventListener(EVENT, callback);
  };
}

const snapshot = (): string => window.location.pathname + window.location.search;

export function useLocation(): { path: string; query: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, window.location.origin);
  return { path: url.pathname, query: url.searchParams };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(EVENT));
}

/** Replace some query parameters of the current URL (empty string or null removes one). */
export function setQuery(changes: Record<string, string | number | null>, replace = true): void {
  const url = new URL(window.location.href);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === "") url.searchParams.delete(k);
    else url.searchParams.set(k, String(v));
  }
  navigate(url.pathname + url.search, { replace });
}

/** An id goes into a page URL as one encoded segment (ids contain "/" and ":"). */
export function pageUrl(page: string, id: string, query = ""): string {
  return `/${page}/${encodeURIComponent(id)}${query}`;
}

/** The id after a page prefix, decoded. */
export function idFrom(path: string, page: string): string {
  const rest = path.slice(page.length + 2);
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

export function Link(props: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { to, children, ...rest } = props;
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
    window.scrollTo(0, 0);
  };
  return (
    <a href={to} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}

/** The page an id belongs on: people and teams have their own pages, artifacts the node page. */
export function nodeUrl(id: string): string {
  if (id.startsWith("person:")) return pageUrl("people", id);
  if (id.startsWith("team:")) return pageUrl("teams", id);
  return pageUrl("nodes", id);
}
