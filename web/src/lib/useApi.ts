import { useEffect, useState } from "react";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

/** Load once per key; a newer key aborts the older request. */
export function useApi<T>(key: string, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Loaded<T> & { key: string }>({ data: null, error: null, loading: true, key });
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ data: s.key === key ? s.data : null, error: null, loading: true, key }));
    load(ctl.signal).then(
      (data) => { if (!ctl.signal.aborted) setState({ data, error: null, loading: false, key }); },
      (err: unknown) => {
        if (!ctl.signal.aborted) setState({ data: null, error: err instanceof Error ? err.message : String(err), loading: false, key });
      },
    );
    return () => ctl.abort();
    // the key names everything load depends on
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return state.key === key ? state : { data: null, error: null, loading: true };
}
