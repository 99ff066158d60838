/**
 * The ownership claim a DatabaseKmsKey records on its database, as Timestream tags: who manages the database's key
 * (the Pulumi project, stack and resource name) and the key the database had before its first owner took it. The
 * database is the only place these facts survive a killed process or a second stack: Pulumi state cannot be written
 * in the middle of an operation. Pure rules: what a claim says, whose it is, and what adopting or releasing the
 * database does about it. Nothing here calls AWS (see aws.ts); lifecycle.ts orders the calls.
 */
import { createHash } from "node:crypto";

/** Every tag of the claim starts with this; `@pulumi/aws` users keep them with `ignoreTags.keyPrefixes`. */
export const CLAIM_TAG_PREFIX = "pulumi-timestream-kms:";
/** The owner: `PROJECT/STACK/RESOURCE`. */
export const OWNER_TAG = `${CLAIM_TAG_PREFIX}owner`;
/** The key ARN the database had before the first owner took it. */
export const ORIGINAL_KEY_TAG = `${CLAIM_TAG_PREFIX}original-key`;
/** The tag keys of a claim, as UntagResource removes them. */
export const CLAIM_TAG_KEYS: readonly string[] = [OWNER_TAG, ORIGINAL_KEY_TAG];

/** A Timestream tag, as ListTagsForResource answers it. */
export interface Tag {
    readonly Key?: string;
    readonly Value?: string;
}

/** A claim as the database's tags record it. */
export interface Claim {
    /** The owner, as {@link ownerOf} writes it. */
    readonly owner: string;
    /** The key ARN the database had before the first owner took it; unset when that tag is missing. */
    readonly originalKeyArn?: string;
}

// Timestream tag values: at most 256 characters, of the characters AWS allows in tags.
const MAX_VALUE_LENGTH = 256;
const TAG_CHARACTER = /[\p{L}\p{Z}\p{N}_.:/=+\-@]/u;
const TAG_TEXT = new RegExp(`^${TAG_CHARACTER.source}*$`, "u");
// A readable owner that had to be cut or cleaned ends with "+" and this many hex digits of its SHA-256.
const HASH_LENGTH = 16;

/**
 * Whether every character of `text` is one AWS allows in tags (of Timestream resources and of STS sessions alike):
 * letters, digits, white space and `_ . : / = + - @`. Lengths are each caller's.
 *
 * @example
 * isTagText("metrics/prod/metrics-key"); // true
 * isTagText("a;b"); // false
 */
export function isTagText(text: string): boolean {
    return TAG_TEXT.test(text);
}

/**
 * The owner a resource records: `PROJECT/STACK/RESOURCE`, readable in the AWS console. A name too long for a tag
 * value (256 characters) or with characters tags do not allow is cleaned and cut, and ends with a hash of the whole,
 * so two owners never share a value.
 *
 * @example
 * ownerOf("metrics", "prod", "metrics-key"); // "metrics/prod/metrics-key"
 */
export function ownerOf(project: string, stack: string, name: string): string {
    const whole = `${project}/${stack}/${name}`;
    if (whole.length <= MAX_VALUE_LENGTH && isTagText(whole)) return whole;
    const clean = Array.from(whole, (c) => (TAG_CHARACTER.test(c) ? c : "_")).join("");
    const hash = createHash("sha256").update(whole).digest("hex").slice(0, HASH_LENGTH);
    return `${Array.from(clean).slice(0, MAX_VALUE_LENGTH - HASH_LENGTH - 1).join("")}+${hash}`;
}

/**
 * Why `value` cannot be an owner (a tag value as {@link ownerOf} writes it), or undefined when it can.
 *
 * @example
 * ownerProblem("metrics/prod/metrics-key"); // undefined
 */
export function ownerProblem(value: string): string | undefined {
    return value !== "" && value.length <= MAX_VALUE_LENGTH && isTagText(value)
        ? undefined
        : "owner must be PROJECT/STACK/RESOURCE in at most 256 characters that tags allow; DatabaseKmsKey sets it, do not set it yourself";
}

/**
 * The owner in words, for messages: project, stack and resource. Projects and stacks have no "/", so the resource
 * name is everything after the second one.
 *
 * @example
 * describeOwner("metrics/prod/metrics-key"); // 'resource "metrics-key" of stack "prod" in project "metrics"'
 */
export function describeOwner(owner: string): string {
    const [project, stack, ...name] = owner.split("/");
    return name.length === 0 ? `"${owner}"` : `resource "${name.join("/")}" of stack "${stack}" in project "${project}"`;
}

/**
 * The claim the tags record, or undefined when there is none.
 *
 * @example
 * claimOf([{ Key: OWNER_TAG, Value: "metrics/prod/metrics-key" }]); // { owner: "metrics/prod/metrics-key" }
 */
export function claimOf(tags: readonly Tag[]): Claim | undefined {
    const value = (key: string) => tags.find((t) => t.Key === key)?.Value || undefined;
    const owner = value(OWNER_TAG);
    return owner === undefined ? undefined : { owner, originalKeyArn: value(ORIGINAL_KEY_TAG) };
}

/**
 * The tags TagResource writes for `claim`.
 *
 * @example
 * claimTags({ owner: "metrics/prod/metrics-key", originalKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k" });
 */
export function claimTags(claim: Required<Claim>): Tag[] {
    return [
        { Key: OWNER_TAG, Value: claim.owner },
        { Key: ORIGINAL_KEY_TAG, Value: claim.originalKeyArn },
    ];
}

/**
 * Whose the claim is, seen by a resource known as any of `owners` (its owner now, and the one its state recorded,
 * which differs after a rename): nobody's, ours, or another owner's.
 */
export type Standing = "unclaimed" | "ours" | "theirs";

/**
 * @example
 * standing({ owner: "metrics/dev/metrics-key" }, ["metrics/prod/metrics-key"]); // "theirs"
 */
export function standing(claim: Claim | undefined, owners: readonly (string | undefined)[]): Standing {
    if (claim === undefined) return "unclaimed";
    return owners.includes(claim.owner) ? "ours" : "theirs";
}

/** What adopting the database does about its claim. */
export type Adoption =
    /** Write the claim (TagResource) before any key write; `originalKeyArn` becomes `previousKmsKeyArn`. */
    | { readonly action: "claim"; readonly claim: Required<Claim> }
    /** The claim is ours as it stands: no tag call. */
    | { readonly action: "keep"; readonly claim: Required<Claim> }
    /** Another owner holds it: nothing may be written. */
    | { readonly action: "refuse"; readonly holder: string };

/**
 * What a resource adopting the database (create, or an update that writes the key or the claim) does, given the
 * claim on it. `me` is the owner it records now, `recorded` the owner its state holds, `takeOver` its input, and
 * `original` the key it would call the original without a claim (the state's `previousKmsKeyArn`, else the key the
 * database uses now). A recorded original key always wins over `original`: it is the one fact a killed process or a
 * lost state would otherwise lose.
 *
 * @example
 * adoption(undefined, { me: "p/s/r", takeOver: false, original: "arn:aws:kms:us-east-1:111122223333:key/k" });
 * // { action: "claim", claim: { owner: "p/s/r", originalKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k" } }
 */
export function adoption(claim: Claim | undefined, options: { me: string; recorded?: string; takeOver: boolean; original: string }): Adoption {
    const { me, recorded, takeOver, original } = options;
    const mine = { owner: me, originalKeyArn: claim?.originalKeyArn ?? original };
    const whose = standing(claim, [me, recorded]);
    if (whose === "theirs" && !takeOver) return { action: "refuse", holder: claim!.owner };
    const asRecorded = claim?.owner === me && claim.originalKeyArn !== undefined;
    return { action: asRecorded ? "keep" : "claim", claim: mine };
}

/**
 * Why the resource `me` may not write to the database another owner has claimed, and what to do; a holder of the
 * same project and stack is most often this resource under its old name.
 *
 * @example
 * refusal("metrics/dev/metrics-key", "metrics/prod/metrics-key"); // "the database is claimed by resource \"metrics-key\" of stack \"dev\" …"
 */
export function refusal(holder: string, me: string): string {
    const sameStack = holder.split("/").slice(0, 2).join("/") === me.split("/").slice(0, 2).join("/");
    const renamed = sameStack ? "If you renamed this resource, give it the old name in its aliases resource option. " : "";
    return (
        `the database is claimed by ${describeOwner(holder)} (tag ${OWNER_TAG}); only one resource may manage a database's key, ` +
        `and nothing was written. ${renamed}If that resource still manages the database, remove one of the two. If its stack is gone, set ` +
        "takeOver: true on this resource to take the database over (the original key it recorded is kept)"
    );
}
