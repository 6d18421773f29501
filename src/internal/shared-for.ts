// A result shared by every caller for a short time: a burst of reads (every open dashboard, a polling client, a
// flood of status requests) costs one query per `ttlMs` instead of one each. A failure is not kept.

/** `fn(key)` at most once per `ttlMs` for the same key; callers meanwhile share its promise. */
export function sharedFor<T, K = void>(ttlMs: number, fn: (key: K) => Promise<T>, now: () => number = () => performance.now()): (key: K) => Promise<T> {
  let cached: { at: number; key: K; value: Promise<T> } | null = null;
  return (key: K) => {
    if (!cached || !Object.is(cached.key, key) || now() - cached.at > ttlMs) {
      const value = fn(key);
      const entry = { at: now(), key, value };
      cached = entry;
      value.catch(() => {
        if (cached === entry) cached = null;
      });
    }
    return cached.value;
  };
}
