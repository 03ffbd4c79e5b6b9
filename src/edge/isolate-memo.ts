// A few seconds of memory in the isolate for the edge's hot KV values (gateway state, API-key
// metadata, account edge state): a Miniflare/Workers KV read costs far more worker CPU than a Map
// lookup, and these values are read on every request. Bounded in size (oldest entry out first) and in
// age, so a value written by another isolate shows up within MEMO_TTL_MS on top of KV's own
// propagation window. Writes made through src/edge/kv-state.ts update this isolate's copy at once.
export const MEMO_TTL_MS = 5_000;
export const MEMO_MAX_ENTRIES = 2_000;

type Entry = { value: unknown; expires: number };

export class IsolateMemo {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = MEMO_TTL_MS,
    private readonly maxEntries = MEMO_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  /** The remembered value, else `load()`'s (remembered unless null: misses are not cached). */
  async get<T>(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.value as T;
    if (hit) this.entries.delete(key);
    const value = await load();
    if (value !== null) this.set(key, value);
    return value;
  }

  set(key: string, value: unknown) {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
  }

  forget(key: string) {
    this.entries.delete(key);
  }

  get size() {
    return this.entries.size;
  }
}

/** The isolate's memo, shared by every request it serves. */
export const edgeMemo = new IsolateMemo();
