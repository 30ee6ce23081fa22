import { IConstruct } from 'constructs';

/** What must be unique where: the categories shared by several constructs. */
export const UNIQUE = {
  /** One nodePort serves one Service, cluster-wide. */
  nodePort: 'nodePort (one Service per port, cluster-wide)',
  /** Pods on the host network share each node's ports. */
  hostPort: "host port (host-network pods share each node's ports)",
} as const;

interface Claim {
  readonly owner: IConstruct;
  readonly field: string;
  readonly shown: string;
}

/**
 * Environment-wide uniqueness: constructs claim keys in a category (a nodePort, a host+path, an IP)
 * as they are built, and the environment reports every key claimed twice once the tree is complete.
 * One map lookup per claim, so checking 5,000 apps costs the same per app as checking 5.
 */
export class UniqueClaims {
  private readonly byKey = new Map<string, Claim>();
  private readonly agreed = new Map<string, Claim>();
  private readonly conflicts: string[] = [];

  /**
   * Claims `key` in `category` for `owner`.
   * @param category what must be unique, and where, e.g. "nodePort (one Service per port, cluster-wide)"
   * @param key the value that must be unique within the category
   * @param owner the construct that uses it (its path is reported)
   * @param field the owner's prop that holds it
   * @param shown how to show the value in a message
   */
  public claim(category: string, key: string, owner: IConstruct, field: string, shown: string = key): void {
    const id = `${category}\u0000${key}`;
    const first = this.byKey.get(id);
    if (first === undefined) {
      this.byKey.set(id, { owner, field, shown });
      return;
    }
    this.conflicts.push(
      `${owner.node.path}: ${field} ${shown} is already used by ${first.owner.node.path} (${first.field}); ${category} must be unique`);
  }

  /**
   * Records that `owner` needs `key` in `category` to mean `value` (a host's TLS Secret): every user may
   * share the key, but they must all agree on its value; a different value is a conflict naming both.
   */
  public agree(category: string, key: string, value: string, owner: IConstruct, field: string, shownKey: string = key): void {
    const id = `${category}\u0001${key}`;
    const first = this.agreed.get(id);
    if (first === undefined) {
      this.agreed.set(id, { owner, field, shown: value });
    } else if (first.shown !== value) {
      this.conflicts.push(`${owner.node.path}: ${field} ${JSON.stringify(value)} for ${shownKey} disagrees with ${first.owner.node.path} `
        + `(${first.field} ${JSON.stringify(first.shown)}); ${category} must be the same everywhere`);
    }
  }

  /** Owner of a key, if claimed. */
  public ownerOf(category: string, key: string): IConstruct | undefined {
    return this.byKey.get(`${category}\u0000${key}`)?.owner;
  }

  /** Every conflict found so far, one message each, naming both users. */
  public problems(): string[] {
    return [...this.conflicts];
  }
}
