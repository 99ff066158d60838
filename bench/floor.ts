/**
 * The fewest AWS calls each lifecycle operation can make (issue #4), with one
 * KMS DescribeKey allowed per engine call that decides a write about a key it
 * must ask KMS about (#6; #10: such answers last one operation), refresh
 * sharing its answers per key for the provider process, the ownership claim's
 * tag calls (#17) with the claim read back after it is written (#23), and how a measured count compares with them.
 */

/** The AWS operations a floor counts, in the order a create makes them; anything else (endpoint discovery, STS) is `other`. */
export const COUNTED = ["DescribeDatabase", "ListTagsForResource", "TagResource", "UpdateDatabase", "UntagResource", "DescribeKey"] as const;
export type Counted = (typeof COUNTED)[number];

/** AWS calls counted by operation; `other` is anything else, whose floor is 0. */
export type Counts = Record<Counted, number> & { other: number };

/** Exact counts of every operation but DescribeKey, and the most DescribeKey calls allowed (one per engine call that needs one). */
export type Floor = Readonly<Record<Counted, number>>;

const floor = (counts: Partial<Floor>): Floor => Object.fromEntries(COUNTED.map((op) => [op, counts[op] ?? 0])) as Floor;

/** Floors per Pulumi command; DescribeKey counts the engine calls that must ask KMS. */
export const FLOORS = {
    /**
     * check of a new key (asks KMS whether the key can protect the database, #6), then create describes it afresh,
     * reads the database's tags and records the claim before the key (#17), and reads the claim back right before the
     * key write, since tags have no compare-and-swap and another stack may have claimed the database at once (#23).
     */
    createKeyDiffers: floor({ DescribeDatabase: 1, ListTagsForResource: 2, TagResource: 1, UpdateDatabase: 1, DescribeKey: 2 }),
    /** Another owner's claim on the database: refused after reading the tags, before any write. */
    createRefused: floor({ DescribeDatabase: 1, ListTagsForResource: 1, DescribeKey: 2 }),
    /** The claim is recorded, and read back, even when no key write is needed. */
    createKeyAlreadySet: floor({ DescribeDatabase: 1, ListTagsForResource: 2, TagResource: 1, DescribeKey: 2 }),
    /**
     * create run again after a process killed right after its key write: its own claim is found with the database on
     * the wanted key, and the claim's original key is checked with one DescribeKey before it is recorded (#23);
     * nothing is written.
     */
    createAfterKill: floor({ DescribeDatabase: 1, ListTagsForResource: 1, DescribeKey: 3 }),
    /** check + diff with the same key in the same form: no call at all; diff makes no tag call. */
    noChange: floor({}),
    /** check + diff with the state's key given as an alias: check asks about the new input, diff resolves the alias. */
    sameKeyAsAlias: floor({ DescribeKey: 2 }),
    /** refresh: one DescribeDatabase, and the live key's facts (keyManager, keyState) once per key and process; no tag call. */
    read: floor({ DescribeDatabase: 1, DescribeKey: 1 }),
    /** check of the new key, diff (a key ID compares locally), update describes the key and checks its own claim (no tag write). */
    updateKeyDiffers: floor({ DescribeDatabase: 1, ListTagsForResource: 1, UpdateDatabase: 1, DescribeKey: 2 }),
    /** onDelete changes no AWS state; a key ID compares locally. */
    updateInputOnly: floor({}),
    /** An alias is resolved by diff and again by update, whose answers last one operation (#10). */
    updateInputOnlyAlias: floor({ DescribeKey: 2 }),
    /** The claim is checked (another owner may have taken the database over) and released. */
    deleteRetain: floor({ ListTagsForResource: 1, UntagResource: 1 }),
    deleteRestore: floor({ ListTagsForResource: 1, DescribeDatabase: 1, UpdateDatabase: 1, UntagResource: 1, DescribeKey: 1 }),
    /** With `recordOwnership: false`: the floors from before the claim. */
    createKeyDiffersUnclaimed: floor({ DescribeDatabase: 1, UpdateDatabase: 1, DescribeKey: 2 }),
    deleteRetainUnclaimed: floor({}),
    deleteRestoreUnclaimed: floor({ DescribeDatabase: 1, UpdateDatabase: 1, DescribeKey: 1 }),
} as const;

/** Counts a list of operation names as the proxy recorded them. */
export function countCalls(operations: readonly string[]): Counts {
    const counts = { ...floor({}), other: 0 } as Counts;
    for (const op of operations) {
        if ((COUNTED as readonly string[]).includes(op)) counts[op as Counted]++;
        else counts.other++;
    }
    return counts;
}

/**
 * `floor` for `n` resources in one process: every call scales with n, and so
 * does DescribeKey for writes (answers last one operation); refresh's answers
 * are shared per key for the process (`sharedKey`).
 */
export function timesResources(one: Floor, n: number, sharedKey = false): Floor {
    return floor(Object.fromEntries(COUNTED.map((op) => [op, op === "DescribeKey" && sharedKey ? one[op] : one[op] * n])));
}

/** "at floor", "+N above floor", or "N below floor" when a required call was not made. */
export function verdict(counts: Counts, f: Floor): string {
    const above = COUNTED.reduce((sum, op) => sum + Math.max(0, counts[op] - f[op]), counts.other);
    // DescribeKey's floor is a bound: fewer is fine (shared answers); every other call is required.
    const below = COUNTED.filter((op) => op !== "DescribeKey").reduce((sum, op) => sum + Math.max(0, f[op] - counts[op]), 0);
    if (below > 0) return `${below} below floor (a required call is missing)`;
    return above === 0 ? "at floor" : `+${above} above floor`;
}

/** e.g. "1 DescribeDatabase + 1 UpdateDatabase, ≤1 DescribeKey"; "no call" for an all-zero floor. */
export function floorText(f: Floor): string {
    const timestream = COUNTED.filter((op) => op !== "DescribeKey" && f[op] > 0)
        .map((op) => `${f[op]} ${op}`)
        .join(" + ");
    const kms = f.DescribeKey > 0 ? `≤${f.DescribeKey} DescribeKey` : "";
    return [timestream, kms].filter(Boolean).join(", ") || "no call";
}
