/**
 * The ownership claim a DatabaseKmsKey records on its database, as Timestream tags: who manages the database's key
 * (the Pulumi project, stack and resource name, and a hash of the resource's whole identity) and the key the database
 * had before its first owner took it. The database is the only place these facts survive a killed process or a second
 * stack: Pulumi state cannot be written in the middle of an operation. Tags are data anyone with
 * `timestream:TagResource` can write, so a claim is a hint, checked like an input: the state wins over it, and its
 * original key is taken only when it is consistent with what the database shows. Pure rules: what a claim says, whose
 * it is, which original key to record, and what adopting the database writes. Nothing here calls AWS (see aws.ts);
 * lifecycle.ts orders the calls.
 */
import { createHash } from "node:crypto";
import { keyArnProblem } from "./keys";
import { quoted } from "./quote";

/** Every tag of the claim starts with this; `@pulumi/aws` users keep them with `ignoreTags.keyPrefixes`. */
export const CLAIM_TAG_PREFIX = "pulumi-timestream-kms:";
/** The owner: `PROJECT/STACK/RESOURCE+HASH`, as {@link ownerOf} writes it. */
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
// Every owner ends with "+" and this many hex digits of the SHA-256 of the resource's identity.
const HASH_LENGTH = 16;
// White space other than a plain space.
const SEPARATOR = /[^\P{Z} ]/u;
const SEPARATORS = new RegExp(SEPARATOR.source, "gu");
const HASH_SUFFIX = new RegExp(`\\+[0-9a-f]{${HASH_LENGTH}}$`);

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
 * Everything that tells one Pulumi resource from another: two resources with different URNs differ in at least one
 * field (the parent's URN carries the parent chain's types and names).
 */
export interface OwnerIdentity {
    /** The Pulumi organization; unset when the CLI gives none. */
    readonly organization?: string;
    readonly project: string;
    readonly stack: string;
    /** The URN of the resource's parent; unset for a resource whose parent is the stack. */
    readonly parentUrn?: string;
    /** The resource's type token. */
    readonly type: string;
    readonly name: string;
}

/**
 * The owner a resource records: `PROJECT/STACK/RESOURCE+HASH`, readable in the AWS console, where HASH is 16 hex
 * digits of the SHA-256 of the whole identity (organization, project, stack, parent, type and name). Two resources
 * of different URNs, or of one URN in two organizations, so never share an owner, whatever their names look like. The
 * readable part has characters tags do not allow replaced by "_" and is cut to keep the value within 256 characters.
 *
 * @example
 * ownerOf({ organization: "acme", project: "metrics", stack: "prod", type: "pulumi-nodejs:dynamic/timestream:DatabaseKmsKey", name: "metrics-key" });
 * // "metrics/prod/metrics-key+" followed by 16 hex digits
 */
export function ownerOf(identity: OwnerIdentity): string {
    const { organization, project, stack, parentUrn, type, name } = identity;
    const whole = JSON.stringify([organization ?? null, project, stack, parentUrn ?? null, type, name]);
    const hash = createHash("sha256").update(whole).digest("hex").slice(0, HASH_LENGTH);
    // Cut by the length ownerProblem measures, without splitting a character in two.
    let readable = "";
    for (const c of `${project}/${stack}/${name}`) {
        const kept = TAG_CHARACTER.test(c) ? c : "_";
        if (readable.length + kept.length > MAX_VALUE_LENGTH - HASH_LENGTH - 1) break;
        readable += kept;
    }
    return `${readable}+${hash}`;
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
        : "owner must be PROJECT/STACK/RESOURCE+HASH in at most 256 characters that tags allow; DatabaseKmsKey sets it, do not set it yourself";
}

/**
 * The owner in words, for messages: project, stack and resource, then the tag's value (which tells two resources of one
 * name apart). Projects and stacks have no "/", so the resource name is everything after the second one, up to the
 * hash. A value this library would not write (someone else's tag) is only quoted.
 *
 * @example
 * describeOwner("metrics/prod/metrics-key+0123456789abcdef");
 * // 'resource "metrics-key" of stack "prod" in project "metrics" (owner "metrics/prod/metrics-key+0123456789abcdef")'
 */
export function describeOwner(owner: string): string {
    const [project, stack, ...name] = owner.replace(HASH_SUFFIX, "").split("/");
    // A line or paragraph separator (which tags allow) would break the message's line.
    if (name.length === 0 || ownerProblem(owner) !== undefined || SEPARATOR.test(owner)) return `the owner ${quoted(owner.replace(SEPARATORS, "_"))}`;
    return `resource "${name.join("/")}" of stack "${stack}" in project "${project}" (owner "${owner}")`;
}

/**
 * The claim the tags record, or undefined when there is none.
 *
 * @example
 * claimOf([{ Key: OWNER_TAG, Value: "metrics/prod/metrics-key" }]); // { owner: "metrics/prod/metrics-key", originalKeyArn: undefined }
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

/** What a resource knows, beside the claim, when it decides which key was the database's original. */
export interface OriginalFacts {
    /** The `previousKmsKeyArn` its state recorded; unset on a create. */
    readonly state?: string;
    /** The key ARN the database is on now. */
    readonly live: string;
    /** The key ARN the resource puts on the database. */
    readonly wanted: string;
    /** Its `takeOver` input. */
    readonly takeOver: boolean;
    /** The database's ARN: the claim's original key must be a key of its account and region. */
    readonly databaseArn: string;
}

/**
 * The original key a resource records as `previousKmsKeyArn`: settled (`key`, with a `note` when the claim's
 * original-key tag was not taken, saying why), or the claim's tag as a `candidate` that passed every rule needing no
 * AWS call, to be taken once KMS DescribeKey finds it not pending deletion, and `key` otherwise.
 */
export type Original = { readonly key: string; readonly note?: string; readonly candidate?: undefined } | { readonly key: string; readonly note?: undefined; readonly candidate: string };

/**
 * Which key was the database's original, given the claim on it (already known not to refuse this resource). The
 * state wins over the claim. Without a state, the claim's original-key tag is a hint: it is taken only when it names a
 * key ARN of the database's account and region and is consistent with the database, which is still on that key (a
 * process killed before its key write) or already on the key this resource wants (killed after it). `takeOver`
 * accepts another owner's original key without that consistency (that owner moved the database to its own key), and
 * so does a re-run of a takeOver killed after it wrote its claim. Otherwise the key the database is on now is the
 * original.
 *
 * @example
 * originalKey(undefined, { live: OLD, wanted: KEY, takeOver: false, databaseArn }); // { key: OLD }
 */
export function originalKey(claim: Claim | undefined, facts: OriginalFacts): Original {
    const { state, live, wanted, takeOver, databaseArn } = facts;
    const tag = claim?.originalKeyArn;
    if (state !== undefined) {
        return tag === undefined || tag === state ? { key: state } : { key: state, note: untrusted(tag, `this resource's state recorded ${state}`, state) };
    }
    if (tag === undefined || tag === live) return { key: live };
    if (!takeOver && live !== wanted) {
        return { key: live, note: untrusted(tag, "the database is on neither that key nor the one this resource puts on it", live) };
    }
    const problem = keyArnProblem(tag, databaseArn);
    return problem === undefined ? { key: live, candidate: tag } : { key: live, note: untrusted(tag, problem, live) };
}

/**
 * The note for a claim's original-key tag that was not taken: what it named, why not, and what was recorded instead.
 *
 * @example
 * untrusted("not a key", "KMS does not find it", OLD);
 */
export function untrusted(tag: string, why: string, recorded: string): string {
    return `the claim's ${ORIGINAL_KEY_TAG} tag names ${quoted(tag)}, but ${why}: ${recorded} is recorded as the original key and the tag rewritten`;
}

/**
 * Whether `takeOver` made a resource with no state take `key`, its claim's original key, although the database is on
 * neither that key nor the one it wants: on the word of a claim that may be another owner's, or forged.
 *
 * @example
 * takenOnTrust({ owner: ME, originalKeyArn: OLD }, { live: OTHER, wanted: KEY, takeOver: true, databaseArn }, OLD); // true
 */
export function takenOnTrust(claim: Claim | undefined, facts: OriginalFacts, key: string): boolean {
    return facts.takeOver && facts.state === undefined && claim?.originalKeyArn === key && key !== facts.live && facts.live !== facts.wanted;
}

/**
 * What a resource with `takeOver` says it accepted: the database taken over from `holder` with `key` as its original
 * key, or (`holder` undefined) `key` taken from its own claim while the database is on `live`.
 *
 * @example
 * takeOverNote("metrics/dev/metrics-key+0123456789abcdef", OLD, OTHER);
 */
export function takeOverNote(holder: string | undefined, key: string, live: string): string {
    const what =
        holder === undefined
            ? `with takeOver, records ${key} from this resource's own claim as the original key, although the database is on ${live}`
            : `takes the database over from ${describeOwner(holder)}, recording ${key} as the original key`;
    return `${what}. Check previousKmsKeyArn, and remove takeOver once the takeover has succeeded`;
}

/**
 * The claim adopting the database writes (TagResource, before any key write), or undefined when the claim on it is
 * already this resource's, with `originalKeyArn` as its original key.
 *
 * @example
 * claimToWrite(undefined, "p/s/r+0123456789abcdef", OLD); // { owner: "p/s/r+0123456789abcdef", originalKeyArn: OLD }
 */
export function claimToWrite(claim: Claim | undefined, me: string, originalKeyArn: string): Required<Claim> | undefined {
    return claim?.owner === me && claim.originalKeyArn === originalKeyArn ? undefined : { owner: me, originalKeyArn };
}

/**
 * Why the resource `me` may not write to the database another owner has claimed, and what to do; a holder of the
 * same project and stack is most often this resource under its old name.
 *
 * @example
 * refusal("metrics/dev/metrics-key+0123456789abcdef", "metrics/prod/metrics-key+fedcba9876543210"); // "the database is claimed by resource \"metrics-key\" of stack \"dev\" …"
 */
export function refusal(holder: string, me: string): string {
    const sameStack = holder.split("/").slice(0, 2).join("/") === me.split("/").slice(0, 2).join("/");
    const renamed = sameStack ? "If you renamed this resource, give it the old name in its aliases resource option. " : "";
    return (
        `the database is claimed by ${describeOwner(holder)} (tag ${OWNER_TAG}); only one resource may manage a database's key, ` +
        `and nothing was written. ${renamed}If that resource still manages the database, remove one of the two. If its stack is gone, set ` +
        "takeOver: true on this resource to take the database over (the original key it recorded is checked and kept)"
    );
}

/**
 * Why the resource `me` stops after writing its claim: reading the claim back, just before the key write, found
 * another owner's (`holder`, which tagged the database at the same time and won) or none (someone removed it).
 *
 * @example
 * lostClaim("metrics/dev/metrics-key+0123456789abcdef");
 */
export function lostClaim(holder: string | undefined): string {
    const who = holder === undefined ? "no claim: someone removed it" : `the claim of ${describeOwner(holder)}, which claimed it at the same time`;
    return (
        `after this resource wrote its claim (tag ${OWNER_TAG}), reading it back before the key write found ${who}. ` +
        "The key was not written and that claim was left as it is. Find which stack manages the database and keep only one; " +
        "run `pulumi up` again to be told who holds it now"
    );
}
