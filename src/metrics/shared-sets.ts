/**
 * Sets of ids shared by their content. Many users hold one of a few combinations (of roles, of Conditional Access
 * groups), so one Set per combination is kept instead of one per user: a large tenant has tens of thousands of role
 * holders, and a policy may name a group of millions. The sets are shared, hence read-only.
 */
export class SharedSets {
  private readonly byContent = new Map<string, ReadonlySet<string>>();

  /** The shared set holding the ids of `set` and `id`. */
  with(set: ReadonlySet<string> | undefined, id: string): ReadonlySet<string> {
    if (set?.has(id)) return set;
    const ids = [...(set ?? []), id].sort();
    const key = JSON.stringify(ids); // unambiguous whatever the ids hold
    let shared = this.byContent.get(key);
    if (!shared) this.byContent.set(key, (shared = new Set(ids)));
    return shared;
  }
}
