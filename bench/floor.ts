/**
 * The fewest AWS calls each lifecycle operation can make (issue #4), with
 * issue #6's allowance of one KMS DescribeKey per distinct key per provider
 * process, and how a measured count compares with them.
 */

/** AWS calls counted by operation; `other` is anything else (e.g. endpoint discovery), whose floor is 0. */
export interface Counts {
    DescribeDatabase: number;
    UpdateDatabase: number;
    DescribeKey: number;
    other: number;
}

/** Exact Timestream counts, and the most DescribeKey calls allowed (distinct keys new to the process). */
export interface Floor {
    readonly DescribeDatabase: number;
    readonly UpdateDatabase: number;
    readonly DescribeKey: number;
}

const floor = (DescribeDatabase: number, UpdateDatabase: number, DescribeKey: number): Floor => ({ DescribeDatabase, UpdateDatabase, DescribeKey });

/** Floors per operation, for a provider process that has not described the key yet. */
export const FLOORS = {
    /** check of a new key (asks KMS whether the key can protect the database, #6) then create. */
    createKeyDiffers: floor(1, 1, 1),
    createKeyAlreadySet: floor(1, 0, 1),
    /** check + diff with the same key in the same form: no call at all. */
    noChange: floor(0, 0, 0),
    /** check + diff with the state's key given as an alias: one DescribeKey resolves it. */
    sameKeyAsAlias: floor(0, 0, 1),
    /** refresh: one DescribeDatabase, and the live key's facts (keyManager, keyState) once per key. */
    read: floor(1, 0, 1),
    updateKeyDiffers: floor(1, 1, 1),
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

/** `floor` for `n` resources in one process: Timestream calls scale with n, DescribeKey does not. */
export function timesResources(one: Floor, n: number): Floor {
    return floor(one.DescribeDatabase * n, one.UpdateDatabase * n, one.DescribeKey);
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
