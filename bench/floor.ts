/**
 * The fewest AWS calls each lifecycle operation can make (issue #4), with one
 * KMS DescribeKey allowed per engine call that decides a write about a key it
 * must ask KMS about (#6; #10: such answers last one operation), refresh
 * sharing its answers per key for the provider process, and how a measured
 * count compares with them.
 */

/** AWS calls counted by operation; `other` is anything else (e.g. endpoint discovery), whose floor is 0. */
export interface Counts {
    DescribeDatabase: number;
    UpdateDatabase: number;
    DescribeKey: number;
    other: number;
}

/** Exact Timestream counts, and the most DescribeKey calls allowed (one per engine call that needs one). */
export interface Floor {
    readonly DescribeDatabase: number;
    readonly UpdateDatabase: number;
    readonly DescribeKey: number;
}

const floor = (DescribeDatabase: number, UpdateDatabase: number, DescribeKey: number): Floor => ({ DescribeDatabase, UpdateDatabase, DescribeKey });

/** Floors per Pulumi command; DescribeKey counts the engine calls that must ask KMS. */
export const FLOORS = {
    /** check of a new key (asks KMS whether the key can protect the database, #6), then create describes it afresh. */
    createKeyDiffers: floor(1, 1, 2),
    createKeyAlreadySet: floor(1, 0, 2),
    /** check + diff with the same key in the same form: no call at all. */
    noChange: floor(0, 0, 0),
    /** check + diff with the state's key given as an alias: check asks about the new input, diff resolves the alias. */
    sameKeyAsAlias: floor(0, 0, 2),
    /** refresh: one DescribeDatabase, and the live key's facts (keyManager, keyState) once per key and process. */
    read: floor(1, 0, 1),
    /** check of the new key, diff (a key ID compares locally), update describes the key it writes. */
    updateKeyDiffers: floor(1, 1, 2),
    /** onDelete changes no AWS state. */
    updateInputOnly: floor(0, 0, 0),
    deleteRetain: floor(0, 0, 0),
    deleteRestore: floor(1, 1, 1),
} as const;

/** Counts a list of operation names as the proxy recorded them. */
export function countCalls(operations: readonly string[]): Counts {
    const counts: Counts = { DescribeDatabase: 0, UpdateDatabase: 0, DescribeKey: 0, other: 0 };
    for (const op of operations) {
        if (op === "DescribeDatabase" || op === "UpdateDatabase" || op === "DescribeKey") counts[op]++;
        else counts.other++;
    }
    return counts;
}

/**
 * `floor` for `n` resources in one process: Timestream calls scale with n, and so
 * does DescribeKey for writes (answers last one operation); refresh's answers
 * are shared per key for the process (`sharedKey`).
 */
export function timesResources(one: Floor, n: number, sharedKey = false): Floor {
    return floor(one.DescribeDatabase * n, one.UpdateDatabase * n, sharedKey ? one.DescribeKey : one.DescribeKey * n);
}

/** "at floor", "+N above floor", or "N below floor" when a required call was not made. */
export function verdict(counts: Counts, f: Floor): string {
    const above =
        Math.max(0, counts.DescribeDatabase - f.DescribeDatabase) +
        Math.max(0, counts.UpdateDatabase - f.UpdateDatabase) +
        Math.max(0, counts.DescribeKey - f.DescribeKey) +
        counts.other;
    const below = Math.max(0, f.DescribeDatabase - counts.DescribeDatabase) + Math.max(0, f.UpdateDatabase - counts.UpdateDatabase);
    if (below > 0) return `${below} below floor (a required call is missing)`;
    return above === 0 ? "at floor" : `+${above} above floor`;
}

/** e.g. "1 DescribeDatabase + 1 UpdateDatabase, ≤1 DescribeKey"; "no call" for an all-zero floor. */
export function floorText(f: Floor): string {
    const parts = [
        f.DescribeDatabase > 0 ? `${f.DescribeDatabase} DescribeDatabase` : "",
        f.UpdateDatabase > 0 ? `${f.UpdateDatabase} UpdateDatabase` : "",
    ].filter(Boolean);
    const timestream = parts.join(" + ");
    const kms = f.DescribeKey > 0 ? `≤${f.DescribeKey} DescribeKey` : "";
    return [timestream, kms].filter(Boolean).join(", ") || "no call";
}
