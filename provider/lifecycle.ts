/**
 * The lifecycle of a DatabaseKmsKey: check, diff, create (adopt), read
 * (refresh), update and delete, written against the rules in `keys.ts` and the
 * AWS calls in `aws.ts`. Imports nothing from `@pulumi/pulumi` at run time, so
 * the provider host loads only this and the AWS SDK.
 */
import type { Database } from "@aws-sdk/client-timestream-write";
import type { KeyMetadata } from "@aws-sdk/client-kms";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { AwsSession, AwsTarget, DatabaseKmsKeyError, databaseNotFound, mayHaveApplied, OperationContext, RegionFrom, warn } from "./aws";
import { accountProblem, AssumeRole, assumeRoleProblem, guardsAccounts, identityOf, profileProblem, StackCredentials, stackCredentialsOf } from "./credentials";
import { endpointProblem, environmentEndpointProblem, sharedConfigEndpointProblem, StackEndpoints, stackEndpointsOf } from "./endpoints";
import { quoted } from "./quote";
import { arnAccount, arnRegion, isAlias, KeyRef, keyProblem, kmsKeyIdProblem, localKeyArn, parseKeyRef, regionProblem } from "./keys";
import {
    Claim,
    claimOf,
    claimTags,
    claimToWrite,
    lostClaim,
    originalKey,
    OriginalFacts,
    ownerProblem,
    refusal,
    standing,
    takenOnTrust,
    takeOverNote,
    untrusted,
} from "./ownership";
import { RetrySettings, retrySettingsOf } from "./retry";

/**
 * What happens to the database's key when the resource is deleted: `"retain"`
 * leaves it, `"restore"` puts back the key the database had before.
 *
 * @example
 * const onDelete: OnDelete = "restore";
 */
export type OnDelete = "retain" | "restore";

/**
 * The resource's inputs once Pulumi has resolved them, as the provider receives them.
 *
 * @example
 * const inputs: DatabaseKmsKeyInputs = { databaseName: "metrics", kmsKeyId: "alias/metrics", onDelete: "restore" };
 */
export interface DatabaseKmsKeyInputs {
    databaseName: string;
    kmsKeyId: string;
    region?: string;
    endpoint?: string;
    onDelete?: OnDelete;
    /** A shared-config profile for this resource's calls; wins over `aws:profile` and `aws:accessKey`. */
    profile?: string;
    /** A role to assume for this resource's calls; wins over `aws:assumeRoles`. */
    assumeRole?: AssumeRole;
    /**
     * Who manages the database's key, `PROJECT/STACK/RESOURCE+HASH` as `ownerOf` writes it: recorded on the database as
     * its ownership claim. `DatabaseKmsKey` sets it; required unless `recordOwnership` is false.
     */
    owner?: string;
    /** Adopt the database although another owner's claim is on it (that owner's stack is gone). Default false. */
    takeOver?: boolean;
    /** Record the ownership claim as tags on the database. Default true; false makes no tag call at all. */
    recordOwnership?: boolean;
}

/**
 * The resource's state: its inputs plus what Timestream and KMS report.
 *
 * @example
 * const { outs } = await new DatabaseKmsKeyProvider().create(inputs);
 * if (outs?.keyManager !== "CUSTOMER") console.warn(`${outs?.databaseName} is on an AWS managed key`);
 */
export interface DatabaseKmsKeyOutputs extends DatabaseKmsKeyInputs {
    /** The effective region: the input, else `aws:region`, else the SDK's chain. */
    region: string;
    onDelete: OnDelete;
    databaseArn: string;
    /** The key ARN the database uses now. */
    kmsKeyArn: string;
    /** The key ARN the database had when this resource first took it over. */
    previousKmsKeyArn: string;
    /**
     * The key ARN this resource last put on the database, or accepted as its own;
     * `onDelete: "restore"` acts only while the database still uses it (or {@link unresolvedKmsKeyArn}).
     * States written before it existed fall back to `kmsKeyArn`.
     */
    appliedKmsKeyArn?: string;
    /**
     * Set only on a resource recorded as failed to initialise: the key ARN of an UpdateDatabase whose outcome is
     * unknown. The next `pulumi up` settles it; until then `onDelete: "restore"` counts it as this resource's key.
     */
    unresolvedKmsKeyArn?: string;
    tableCount: number;
    creationTime?: string;
    lastUpdatedTime?: string;
    /** `"AWS"` or `"CUSTOMER"`: who manages the key the database uses now; unset when KMS will not describe it. */
    keyManager?: "AWS" | "CUSTOMER";
    /** The KMS key state (Enabled, Disabled, PendingDeletion, …) of the key the database uses now; unset likewise. */
    keyState?: string;
    /** The owner this resource recorded in the claim on the database; unset when `recordOwnership` is false. */
    owner?: string;
}

// Pulumi's placeholder for a value not known until apply (`pulumi.runtime.unknownValue`),
// copied so that loading this module does not load @pulumi/pulumi.
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const INPUT_KEYS = ["databaseName", "kmsKeyId", "region", "endpoint", "onDelete", "profile", "assumeRole", "owner", "takeOver", "recordOwnership"] as const;
// Inputs that change how AWS is reached, not which database or key: a change is an update that makes no AWS call,
// unless the identity it gives reaches another account (see diff).
const ACCESS_KEYS = ["endpoint", "profile", "assumeRole"] as const;
// The access inputs that choose whose credentials sign the calls, and so which account they reach.
const IDENTITY_KEYS = ["profile", "assumeRole"] as const;
const DATABASE_NAME = /^[a-zA-Z0-9_.-]{3,256}$/;
// Two to four letters first: us-east-1, us-gov-west-1, eusc-de-east-1.
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
const ON_DELETE: readonly string[] = ["retain", "restore"];
// Where the host keeps the provider module in every resource's state; a state recorded from an error must carry
// it too, or the engine cannot load the provider for the resource's next operation.
const PROVIDER_KEY = "__provider";

/**
 * The dynamic provider behind `DatabaseKmsKey`. Each instance keeps its own
 * AWS clients and DescribeKey answers; the provider host makes one per process.
 *
 * @example
 * const provider = new DatabaseKmsKeyProvider();
 * const { failures } = await provider.check({}, { databaseName: "metrics", kmsKeyId: "alias/metrics" });
 */
export class DatabaseKmsKeyProvider implements dynamic.ResourceProvider<DatabaseKmsKeyInputs, DatabaseKmsKeyOutputs> {
    private readonly aws = new AwsSession();
    /** Live key ARNs KMS would not describe in this process (see read). */
    private readonly undescribable = new Set<string>();
    private configRegion?: string;
    private stack: StackCredentials = { assumeRoles: [] };
    private retry: RetrySettings = {};
    private endpoints: StackEndpoints = { urls: {} };
    /** Claim checks in flight per database ARN: two resources of one stack never both find a database unclaimed. */
    private readonly claiming = new Map<string, Promise<unknown>>();

    /**
     * Reads `aws:region`, and the credential, account, shared-file, endpoint and retry
     * settings `@pulumi/aws` reads from stack config, once per process. Kept free of awaits: the host
     * hands the provider to other calls before this promise settles. Never
     * throws: a setting that cannot be used fails every operation instead,
     * since the host would keep the provider and run on without it.
     */
    async configure(req: dynamic.ConfigureRequest): Promise<void> {
        this.configRegion = req.config.get("aws:region") || undefined;
        this.stack = stackCredentialsOf((key) => req.config.get(key));
        this.retry = retrySettingsOf((key) => req.config.get(key));
        this.endpoints = stackEndpointsOf((key) => req.config.get(key));
    }

    /**
     * Validates the inputs, each by its own rule, before any AWS call; a value
     * still unknown during preview passes. When the inputs are valid and name a
     * new key or region, asks KMS (read-only) whether that key can protect the database,
     * so `pulumi preview` shows a disabled, asymmetric or foreign-region key.
     */
    async check(olds: Partial<DatabaseKmsKeyInputs>, news: Partial<DatabaseKmsKeyInputs>): Promise<dynamic.CheckResult<DatabaseKmsKeyInputs>> {
        // Own fields only: a `__proto__` key must not lend the inputs fields they do not have.
        const inputs = Object.fromEntries(Object.entries(news)) as unknown as DatabaseKmsKeyInputs;
        const failures = inputFailures(inputs);
        if (failures.length === 0 && inputs.profile !== undefined && inputs.profile !== UNKNOWN) {
            const problem = await profileProblem(inputs.profile, this.stack.files);
            if (problem !== undefined) failures.push({ property: "profile", reason: problem });
        }
        if (failures.length === 0) {
            const problem = await this.sharedConfigProblem(inputs);
            if (problem !== undefined) failures.push({ property: "endpoint", reason: problem });
        }
        if (failures.length > 0) return { inputs, failures };
        const found = await this.regionOf(inputs);
        const problem = regionFoundProblem(found);
        if (problem !== undefined) return { inputs, failures: [{ property: "region", reason: problem }] };
        const region = found!.region;
        const unchanged = inputs.kmsKeyId === olds.kmsKeyId && region === (await this.regionOf(olds))?.region;
        // The lookup needs the key, the region and the credentials: wait for apply while any is unknown.
        if (unchanged || region === UNKNOWN || hasUnknown(inputs.kmsKeyId) || identityPending(inputs)) return { inputs, failures };
        const context = contextOf("check", inputs, region);
        try {
            await this.usableKey(await this.targetOf(inputs, context), context, inputs.kmsKeyId);
        } catch (error) {
            // A key or alias KMS does not know yet may be created by this same deployment; create and update report
            // it if it is still missing then.
            if (error instanceof DatabaseKmsKeyError && error.code === "KeyNotFound") return { inputs, failures };
            if (!(error instanceof DatabaseKmsKeyError) || error.code !== "KeyUnusable") throw error;
            failures.push({ property: "kmsKeyId", reason: error.message });
        }
        return { inputs, failures };
    }

    /**
     * Replaces when the database or the effective region changes; updates when
     * the key names a different key than the database uses or than the resource
     * applied (any form of the same key is no change; an alias is followed, and
     * one KMS does not know yet is a change), or when `onDelete`, `endpoint`,
     * `profile` or `assumeRole` changes, or a write is unresolved, or the claim to record differs from the state's
     * (a state from before the claim existed, a rename, `recordOwnership` switched). A changed `profile` or
     * `assumeRole` that reaches another account than the recorded `databaseArn`'s (one STS GetCallerIdentity, only
     * then, and only once its values are known) replaces the resource: the database is another one. Makes no
     * Timestream call; an alias costs one DescribeKey.
     * Every answer asks for delete-before-replace: the old resource releases the database (restoring its key if
     * asked) before the new one adopts it, or the new one would record the old one's key as its previous key.
     */
    async diff(id: string, olds: DatabaseKmsKeyOutputs, news: DatabaseKmsKeyInputs): Promise<dynamic.DiffResult> {
        const region = await this.requireRegion(news, "diff");
        const replaces = [];
        if (news.databaseName !== olds.databaseName) replaces.push("databaseName");
        if (region !== olds.region) replaces.push("region");
        if (replaces.length > 0) return { changes: true, replaces, deleteBeforeReplace: true };
        const context = contextOf("diff", news, region);
        const target = await this.targetOf(news, context);
        const identityChanged = IDENTITY_KEYS.filter((name) => JSON.stringify(news[name]) !== JSON.stringify(olds[name]));
        if (identityChanged.length > 0 && (await this.reachesOtherAccount(target, context, news, olds.databaseArn))) {
            return { changes: true, replaces: identityChanged, deleteBeforeReplace: true };
        }
        const wanted = await this.wantedKeyArn(target, context, news.kmsKeyId, olds).catch((error: unknown) => {
            // An alias this same deployment creates: update reports it if it is still missing then.
            if (error instanceof DatabaseKmsKeyError && error.code === "KeyNotFound") return undefined;
            throw error;
        });
        const keyChanged = wanted === undefined || wanted !== olds.kmsKeyArn || wanted !== appliedKeyOf(olds) || olds.unresolvedKmsKeyArn !== undefined;
        const accessChanged = ACCESS_KEYS.some((name) => JSON.stringify(news[name]) !== JSON.stringify(olds[name]));
        const claimChanged = claimOwnerOf(news) !== olds.owner;
        const changes = keyChanged || onDeleteOf(news) !== onDeleteOf(olds) || accessChanged || claimChanged;
        return { changes, replaces: [], deleteBeforeReplace: true };
    }

    /**
     * Adopts the database: one DescribeDatabase, its tags (ListTagsForResource), the ownership claim written
     * (TagResource) unless it is already this resource's, and one UpdateDatabase only when the database does not use
     * the desired key yet. The claim is written before the key, so a process killed in between leaves the original
     * key on the database, and a create run again takes `previousKmsKeyArn` from it. Fails, recording nothing and
     * writing nothing, when another owner's claim is on the database (unless `takeOver`). Fails, recording
     * nothing, when the database does not exist, the key cannot protect it,
     * another writer's key was registered first, or the write was not applied.
     * When the write's outcome cannot be known, fails with `OutcomeUnknown`,
     * which the host turns into a resource recorded as failed to initialise,
     * keeping the key the database had before.
     */
    async create(inputs: DatabaseKmsKeyInputs): Promise<dynamic.CreateResult<DatabaseKmsKeyOutputs>> {
        const region = await this.requireRegion(inputs, "create");
        return { id: inputs.databaseName, outs: await this.adopt(contextOf("create", inputs, region), inputs, region) };
    }

    /**
     * Refresh: one DescribeDatabase, reporting the key the database uses now,
     * so a change made elsewhere shows as drift. A database that no longer
     * exists reads as an empty id, which drops the resource from state, but
     * only once one GetCallerIdentity shows the credentials are of the
     * database's account: missing to another account's credentials, it fails.
     * A database of the same name in another account or region than the
     * recorded `databaseArn` fails with `WrongAccount`; update and delete refuse
     * it the same way before any write.
     */
    async read(id: string, props = {} as DatabaseKmsKeyOutputs): Promise<dynamic.ReadResult<DatabaseKmsKeyOutputs>> {
        const inputs = { ...inputsOf(props), databaseName: props.databaseName ?? id };
        const region = await this.requireRegion(inputs, "read");
        const context = contextOf("read", inputs, region);
        const target = await this.targetOf(inputs, context);
        const database = await this.aws.describeDatabase(target, context);
        if (database === undefined) {
            await this.refuseOtherAccount(target, context, props.databaseArn, DATABASE_GONE);
            return { id: "", props: {} as DatabaseKmsKeyOutputs };
        }
        refuseOtherDatabase(context, props.databaseArn, database, "Nothing was recorded");
        const live = await this.liveKeyArn(target, context, database);
        // keyManager and keyState are informative: a key KMS will not describe to us (another account's key set out of
        // band, an emulator's default key) leaves them unknown rather than failing the refresh that reports the drift,
        // and is not asked about again in this process.
        const key = this.undescribable.has(live)
            ? undefined
            : await this.aws.describeKeyForRefresh(target, context, parseKeyRef(live)!).catch((error: unknown) => {
                  if (!(error instanceof DatabaseKmsKeyError) || (error.code !== "KeyNotFound" && error.code !== "AccessDenied")) throw error;
                  this.undescribable.add(live);
                  return undefined;
              });
        const keys = { kmsKeyArn: live, previousKmsKeyArn: props.previousKmsKeyArn ?? live, appliedKmsKeyArn: appliedKeyOf(props) ?? live };
        return { id, props: outputsOf(inputs, region, database, { ...keys, unresolvedKmsKeyArn: props.unresolvedKmsKeyArn }, key) };
    }

    /**
     * Applies the same rule as create: UpdateDatabase only when the live key
     * differs from the desired one, after checking the claim (another owner's
     * fails with no write), and the same three outcomes: applied, not
     * applied (fails, state unchanged), unknown (`OutcomeUnknown`, recording
     * the previously applied key and the attempted one). A change of
     * `onDelete` or `endpoint` alone makes no AWS call (an alias in `kmsKeyId`
     * costs one DescribeKey, asked afresh); a claim to record or
     * release (see diff) costs ListTagsForResource and one TagResource or
     * UntagResource; a state with an unresolved write always asks Timestream,
     * which settles it.
     */
    async update(id: string, olds: DatabaseKmsKeyOutputs, news: DatabaseKmsKeyInputs): Promise<dynamic.UpdateResult<DatabaseKmsKeyOutputs>> {
        const region = await this.requireRegion(news, "update");
        const context = contextOf("update", news, region);
        const wanted = await this.wantedKeyArn(await this.targetOf(news, context), context, news.kmsKeyId, olds);
        // The database already uses the wanted key: record it as this resource's, with no Timestream call unless the
        // claim must be recorded or released.
        if (wanted === olds.kmsKeyArn && olds.unresolvedKmsKeyArn === undefined) {
            let previousKmsKeyArn = olds.previousKmsKeyArn;
            if (claimOwnerOf(news) !== olds.owner) {
                const target = await this.targetOf(news, context);
                await this.guardAccount(target, context);
                previousKmsKeyArn = (await this.settleClaim(target, context, news, olds.databaseArn, { live: wanted, wanted }, olds)).originalKeyArn;
            }
            return { outs: stateOf(news, region, { ...factsOf(olds), appliedKmsKeyArn: wanted, previousKmsKeyArn }) };
        }
        // The same operation context: the alias resolved above is not asked again.
        return { outs: await this.adopt(context, news, region, olds) };
    }

    /**
     * First the claim (ListTagsForResource), when this resource recorded one: another owner's claim is left alone.
     * Then `retain` leaves the key; `restore` puts `previousKmsKeyArn` (the state's, never a tag's) back when the
     * database still exists and still uses a key this resource may have put on it (`appliedKmsKeyArn`, or `kmsKeyArn`
     * in older states, and `unresolvedKmsKeyArn`), whoever claims it: a claim naming another owner while the database
     * is on this resource's key only says someone wrote a tag, not that the key changed hands. A database already gone,
     * or one whose key someone else has changed since, is left as it is. An UpdateDatabase whose outcome is unknown is
     * settled with one DescribeDatabase. Last, this resource's own claim is removed (UntagResource), so another stack
     * can adopt the database. Without a recorded claim, `retain` makes no AWS call. A claim found missing or another's,
     * and a database found gone, are trusted only once one GetCallerIdentity shows the credentials are of the recorded
     * database's account; otherwise the delete fails with `WrongAccount`. If this call fails, the resource stays in
     * state, and the error says how to delete it without restoring.
     */
    async delete(id: string, props: DatabaseKmsKeyOutputs): Promise<void> {
        const restoring = onDeleteOf(props) === "restore" && !!props.previousKmsKeyArn;
        if (!restoring && props.owner === undefined) return;
        const inputs = { ...inputsOf(props), kmsKeyId: restoring ? props.previousKmsKeyArn : props.kmsKeyArn };
        const context = {
            ...contextOf(restoring ? "delete (restore previous key)" : "delete", inputs, props.region),
            nextStep: restoring
                ? 'To delete the resource without restoring, set onDelete to "retain", run `pulumi up`, then delete it again'
                : "To drop the resource from the state without any AWS call, run `pulumi state delete` with its URN",
        };
        const target = await this.targetOf(inputs, context);
        await this.guardAccount(target, context);
        const found = props.owner === undefined ? undefined : await this.claimFound(target, context, props.databaseArn);
        const whose = found === "gone" ? "gone" : standing(found, [props.owner]);
        // Not the claim this resource recorded: so only of the recorded database, not of one other credentials reach.
        if (whose !== "ours" && props.owner !== undefined) {
            await this.refuseOtherAccount(target, context, props.databaseArn, whose === "gone" ? DATABASE_GONE : "the database does not hold this resource's claim");
        }
        // Gone: nothing is left to restore or release. Another owner's claim stays; restore acts only on our own key.
        if (whose === "gone") return;
        if (restoring) await this.restore(target, context, props);
        if (whose === "ours") await this.aws.untagDatabase(target, context, props.databaseArn);
    }

    /** Puts `previousKmsKeyArn` back while the database uses a key this resource may have put on it. */
    private async restore(target: AwsTarget, context: OperationContext, props: DatabaseKmsKeyOutputs): Promise<void> {
        const ours = ownKeys(props).filter((key) => key !== props.previousKmsKeyArn);
        if (ours.length === 0) return;
        const database = await this.aws.describeDatabase(target, context);
        if (database === undefined) return this.refuseOtherAccount(target, context, props.databaseArn, DATABASE_GONE);
        refuseOtherDatabase(context, props.databaseArn, database, "Nothing was written");
        const live = await this.liveKeyArn(target, context, database);
        if (!ours.includes(live)) return;
        await this.putKey(target, context, database, live, (await this.usableKey(target, context, props.previousKmsKeyArn)).Arn);
    }

    /**
     * Brings the claim on the database in line with `inputs` before any key write, and returns the key to record as
     * `previousKmsKeyArn` (see {@link originalKey}: the state's, else the claim's original key once checked, else the
     * live key) and, when it wrote a claim, how to put back what was there (no claim, or the one replaced by
     * `takeOver` or a rename). A claim written is read back (tags have no compare-and-swap, and another stack may
     * have tagged the database at the same time): another owner's claim, or none, then fails with `ClaimedElsewhere`
     * before any key write, leaving the tags as found. With `recordOwnership: false`, only releases the claim the
     * state recorded (if still this resource's), and still refuses a key write over another owner's claim found
     * there. Another owner's claim fails with no write, unless `takeOver`.
     * Serialized per database in this process, so two resources of one stack cannot both find it unclaimed.
     */
    private async settleClaim(
        target: AwsTarget,
        context: OperationContext,
        inputs: DatabaseKmsKeyInputs,
        databaseArn: string,
        keys: { live: string; wanted: string },
        olds?: DatabaseKmsKeyOutputs,
    ): Promise<{ originalKeyArn: string; undo?: () => Promise<void> }> {
        const me = claimOwnerOf(inputs);
        const facts = { ...keys, state: olds?.previousKmsKeyArn, takeOver: inputs.takeOver === true, databaseArn };
        if (me === undefined) {
            const found = olds?.owner === undefined ? undefined : await this.claimFound(target, context, databaseArn);
            const whose = found === "gone" ? "gone" : standing(found, [olds?.owner]);
            // Off the claim, but not over another owner's: the key of a database taken over is not ours to write.
            if (whose === "theirs" && keys.live !== keys.wanted && !facts.takeOver) {
                throw new DatabaseKmsKeyError("ClaimedElsewhere", context, refusal((found as Claim).owner, olds!.owner!));
            }
            if (whose === "ours") await this.aws.untagDatabase(target, context, databaseArn);
            return { originalKeyArn: originalKey(undefined, facts).key };
        }
        return this.exclusive(databaseArn, async () => {
            const found = await this.claimOn(target, context, databaseArn);
            const theirs = standing(found, [me, olds?.owner]) === "theirs";
            if (theirs && !facts.takeOver) throw new DatabaseKmsKeyError("ClaimedElsewhere", context, refusal(found!.owner, me));
            const originalKeyArn = await this.checkedOriginal(target, context, found, facts);
            if (theirs) warn(context, takeOverNote(found!.owner, originalKeyArn, keys.live));
            else if (takenOnTrust(found, facts, originalKeyArn)) warn(context, takeOverNote(undefined, originalKeyArn, keys.live));
            const claim = claimToWrite(found, me, originalKeyArn);
            if (claim === undefined) return { originalKeyArn };
            await this.aws.tagDatabase(target, context, databaseArn, claimTags(claim));
            const now = await this.claimOn(target, context, databaseArn);
            if (now?.owner !== me) throw new DatabaseKmsKeyError("ClaimedElsewhere", context, lostClaim(now?.owner));
            // Our own claim, its original key corrected, stays right whatever the key write does.
            if (found?.owner === me) return { originalKeyArn };
            const undo = found
                ? () => this.aws.tagDatabase(target, context, databaseArn, claimTags({ owner: found.owner, originalKeyArn: found.originalKeyArn ?? originalKeyArn }))
                : () => this.aws.untagDatabase(target, context, databaseArn);
            return { originalKeyArn, undo };
        });
    }

    /** The claim on the database (ListTagsForResource): undefined when it has none, "gone" when the database is gone. */
    private async claimFound(target: AwsTarget, context: OperationContext, databaseArn: string): Promise<Claim | undefined | "gone"> {
        const tags = await this.aws.listTags(target, context, databaseArn);
        return tags === undefined ? "gone" : claimOf(tags);
    }

    /** The claim on the database; fails with `DatabaseNotFound` when the database is gone. */
    private async claimOn(target: AwsTarget, context: OperationContext, databaseArn: string): Promise<Claim | undefined> {
        const found = await this.claimFound(target, context, databaseArn);
        if (found === "gone") throw databaseNotFound(context);
        return found;
    }

    /**
     * The original key {@link originalKey} settles on, after one DescribeKey when the claim's original key is a
     * candidate: taken when KMS finds it, it is not pending deletion, and Timestream could have used it (a symmetric
     * encryption key of the database's region). A disabled key is taken: it may well be the real original, disabled
     * since, and can be enabled for the restore. A tag not taken is said in the log.
     */
    private async checkedOriginal(target: AwsTarget, context: OperationContext, claim: Claim | undefined, facts: OriginalFacts): Promise<string> {
        const original = originalKey(claim, facts);
        let note = original.note;
        if (original.candidate !== undefined) {
            const key = await this.aws.describeKey(target, context, parseKeyRef(original.candidate)!).catch((error: unknown) => {
                if (error instanceof DatabaseKmsKeyError && error.code === "KeyNotFound") return undefined;
                throw error;
            });
            const why =
                key === undefined
                    ? "KMS does not find that key"
                    : key.KeyState === "PendingDeletion"
                      ? "that key is pending deletion"
                      : keyProblem({ ...key, KeyState: undefined }, target.region);
            if (why === undefined) return original.candidate;
            note = untrusted(original.candidate, why, original.key);
        }
        if (note !== undefined) warn(context, note);
        return original.key;
    }

    /** Runs `work` after every earlier `work` for the same `key` in this process has settled. */
    private exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
        const run = (this.claiming.get(key) ?? Promise.resolve()).then(work);
        const settled = run.catch(() => undefined);
        this.claiming.set(key, settled);
        void settled.then(() => this.claiming.get(key) === settled && this.claiming.delete(key));
        return run;
    }

    /**
     * Create and update: one DescribeDatabase and the desired key's DescribeKey
     * at once, then {@link putKey}; returns the state to record. `olds` is the
     * state an update starts from.
     */
    private async adopt(context: OperationContext, inputs: DatabaseKmsKeyInputs, region: string, olds?: DatabaseKmsKeyOutputs): Promise<DatabaseKmsKeyOutputs> {
        const target = await this.targetOf(inputs, context);
        await this.guardAccount(target, context);
        // The database first: credentials of another account fail on it, whatever they make of the key.
        const described = this.aws.describeDatabase(target, context).then((found) => {
            if (found === undefined) throw databaseNotFound(context);
            refuseOtherDatabase(context, olds?.databaseArn, found, "Nothing was written");
            return found;
        });
        const [found, key] = await bothSettled(described, this.desiredKey(target, context, inputs.kmsKeyId));
        const before = await this.liveKeyArn(target, context, found);
        // Before the claim too: a key that cannot be used writes nothing at all.
        if (before !== key.Arn) refuseUnusable(context, key, target.region);
        const claim = await this.settleClaim(target, context, inputs, found.Arn ?? "", { live: before, wanted: key.Arn }, olds);
        const previousKmsKeyArn = claim.originalKeyArn;
        const unresolved = { id: inputs.databaseName, properties: unresolvedStateOf(inputs, region, found, before, previousKmsKeyArn, key.Arn, olds) };
        let database: Database;
        try {
            database = await this.putKey(target, context, found, before, key.Arn, unresolved);
        } catch (error) {
            // A claim written just now for a key write that failed would name an owner Pulumi never records (a create
            // that failed, an update whose state keeps the old owner): what was there is put back. An unknown outcome
            // is recorded, and keeps it. Best effort: the write's error is what to report.
            if (claim.undo && !(error instanceof DatabaseKmsKeyError && error.code === "OutcomeUnknown")) {
                await claim.undo().catch(() => undefined);
            }
            throw error;
        }
        return outputsOf(inputs, region, database, { kmsKeyArn: key.Arn, previousKmsKeyArn, appliedKmsKeyArn: key.Arn }, key);
    }

    /**
     * Points `database`, now on key `before`, at `keyArn` (a key already found
     * usable) unless it already uses it, and checks that the key
     * Timestream reports afterwards is ours ("first writer wins" for concurrent
     * updates). Returns the database as last described.
     */
    private async putKey(
        target: AwsTarget,
        context: OperationContext,
        database: Database,
        before: string,
        keyArn: string,
        unresolved?: Recorded,
    ): Promise<Database> {
        if (before === keyArn) return database;
        const updated = await this.write(target, context, before, keyArn, unresolved);
        const now = await this.liveKeyArn(target, context, updated);
        if (now !== keyArn) {
            throw new DatabaseKmsKeyError(
                "KeyConflict",
                context,
                `Timestream reports key ${now} instead: another writer updated the database at the same time and won ` +
                    "(UpdateDatabase is first-writer-wins). Find what else manages this database's key, then run `pulumi refresh` and `pulumi up`",
            );
        }
        return updated;
    }

    /**
     * UpdateDatabase, with its three outcomes told apart: applied (returns the
     * database), proven not applied (throws the AWS error), unknown. An
     * unknown outcome (timeout, dropped connection, 5xx or throttling after the
     * SDK's retries) is settled with one DescribeDatabase: still on `before`
     * means not applied. When even that fails, throws `OutcomeUnknown`,
     * carrying `unresolved` as the state for the engine to record.
     */
    private async write(target: AwsTarget, context: OperationContext, before: string, keyArn: string, unresolved?: Recorded): Promise<Database> {
        try {
            return await this.aws.updateDatabase(target, context, keyArn);
        } catch (error) {
            if (!(error instanceof DatabaseKmsKeyError) || !mayHaveApplied(error)) throw error;
            let now: Database | undefined;
            try {
                now = await this.aws.describeDatabase(target, context);
            } catch (unanswered) {
                throw outcomeUnknown(context, keyArn, before, error, unanswered, unresolved);
            }
            if (now === undefined) throw databaseNotFound(context, error);
            if ((await this.liveKeyArn(target, context, now)) === before) throw error;
            // Ours: the write applied. Another key: putKey reports the other writer.
            return now;
        }
    }

    /**
     * The key ARN `kmsKeyId` names, for a database in `state`; undefined while it, or the identity an alias would be
     * resolved with, is unknown during preview.
     */
    private async wantedKeyArn(target: AwsTarget, context: OperationContext, kmsKeyId: string, state: DatabaseKmsKeyOutputs): Promise<string | undefined> {
        if (kmsKeyId === UNKNOWN) return undefined;
        const ref = parseKeyRef(kmsKeyId);
        if (ref !== undefined && isAlias(ref) && identityPending(target.identity ?? { roles: [] })) return undefined;
        if (ref === undefined) throw new DatabaseKmsKeyError("Rejected", context, kmsKeyIdProblem(kmsKeyId)!);
        return this.keyArnOf(target, context, ref, state.databaseArn);
    }

    /** The key ARN a database reports, normalized: AWS sends an ARN, some emulators echo what they were sent. */
    private async liveKeyArn(target: AwsTarget, context: OperationContext, database: Database): Promise<string> {
        const ref = parseKeyRef(database.KmsKeyId ?? "");
        if (ref === undefined) throw new DatabaseKmsKeyError("Failed", context, `Timestream reported an unreadable KMS key "${database.KmsKeyId}"`);
        return this.keyArnOf(target, context, ref, database.Arn ?? "");
    }

    /** The key ARN `ref` names: worked out locally for key IDs and ARNs, one DescribeKey per operation for aliases. */
    private async keyArnOf(target: AwsTarget, context: OperationContext, ref: KeyRef, databaseArn: string): Promise<string> {
        return localKeyArn(ref, databaseArn) ?? (await this.aws.describeKey(target, context, ref)).Arn!;
    }

    /** DescribeKey for the desired key; a key ARN in another region is refused without a call. */
    private async desiredKey(target: AwsTarget, context: OperationContext, kmsKeyId: string): Promise<KeyMetadata & { Arn: string }> {
        const ref = parseKeyRef(kmsKeyId);
        if (ref === undefined) throw new DatabaseKmsKeyError("Rejected", context, kmsKeyIdProblem(kmsKeyId)!);
        const elsewhere = regionProblem(ref.region, target.region);
        if (elsewhere !== undefined) throw unusable(context, elsewhere);
        const key = await this.aws.describeKey(target, context, ref);
        return { ...key, Arn: key.Arn ?? ref.value };
    }

    /** The desired key's facts, refused when it cannot protect the database. */
    private async usableKey(target: AwsTarget, context: OperationContext, kmsKeyId: string): Promise<KeyMetadata & { Arn: string }> {
        const key = await this.desiredKey(target, context, kmsKeyId);
        refuseUnusable(context, key, target.region);
        return key;
    }

    /** The effective region and where it came from: the input, else `aws:region`, else the SDK's chain; UNKNOWN during preview. */
    private async regionOf(inputs: Partial<DatabaseKmsKeyInputs>): Promise<RegionFrom | undefined> {
        if (inputs.region !== undefined) return { region: inputs.region, source: "region" };
        if (this.configRegion !== undefined) return { region: this.configRegion, source: "aws:region" };
        // The profile's region is known once the profile is.
        if (inputs.profile === UNKNOWN) return { region: UNKNOWN, source: UNKNOWN };
        return this.aws.defaultRegion(identityOf(this.stack, inputs).profile, this.stack.files?.config);
    }

    /** The effective region; fails with `NoRegion` when there is none, `InvalidConfig` when it is not a region's name. */
    private async requireRegion(inputs: Partial<DatabaseKmsKeyInputs>, operation: string): Promise<string> {
        const found = await this.regionOf(inputs);
        const problem = regionFoundProblem(found);
        if (problem !== undefined) {
            throw new DatabaseKmsKeyError(found === undefined ? "NoRegion" : "InvalidConfig", contextOf(operation, inputs, "no region"), problem);
        }
        return found!.region;
    }

    /**
     * Why an endpoint of the shared config file cannot be used by the calls `inputs` make: the SDK's own profile, and
     * the profile that gives their credentials.
     */
    private sharedConfigProblem(inputs: Partial<DatabaseKmsKeyInputs>): Promise<string | undefined> {
        const identity = identityOf(this.stack, inputs);
        return sharedConfigEndpointProblem([{}, { profile: identity.profile, configFile: identity.files?.config }]);
    }

    /** Where and as whom `context`'s calls go; fails, before any request, while the settings cannot be used. */
    private async targetOf(inputs: Partial<DatabaseKmsKeyInputs>, context: OperationContext): Promise<AwsTarget> {
        const problem = this.stack.problem ?? this.retry.problem ?? this.endpoints.problem;
        if (problem !== undefined) {
            throw new DatabaseKmsKeyError("InvalidConfig", context, `${problem}. Fix it with \`pulumi config set\` and run again`);
        }
        const environment = environmentEndpointProblem();
        if (environment !== undefined) throw new DatabaseKmsKeyError("InvalidConfig", context, `${environment}. Fix or unset it and run again`);
        // Check refuses such an endpoint; a state recorded before it did still holds one, which refresh and delete use.
        const endpoint = inputs.endpoint === undefined ? undefined : endpointProblem("endpoint", inputs.endpoint);
        if (endpoint !== undefined) throw new DatabaseKmsKeyError("InvalidConfig", context, `${endpoint}. Fix the endpoint input and run \`pulumi up\``);
        const shared = await this.sharedConfigProblem(inputs);
        if (shared !== undefined) throw new DatabaseKmsKeyError("InvalidConfig", context, `${shared}. Fix or remove it and run again`);
        return { region: context.region, endpoint: inputs.endpoint, identity: identityOf(this.stack, inputs), retry: this.retry, endpoints: this.endpoints.urls };
    }

    /** Before a write: the caller's account must pass `aws:allowedAccountIds`/`aws:forbiddenAccountIds`, when set. */
    private async guardAccount(target: AwsTarget, context: OperationContext): Promise<void> {
        if (!guardsAccounts(this.stack)) return;
        const problem = accountProblem(this.stack, await this.aws.callerAccount(target, context));
        if (problem !== undefined) {
            throw new DatabaseKmsKeyError(
                "WrongAccount",
                context,
                `${problem}. Nothing was written. Use credentials of an allowed account (the profile or assumeRole input, aws:profile, aws:assumeRoles), or change the setting`,
            );
        }
    }

    /**
     * Whether the identity `inputs` give reaches another AWS account than the recorded database's: one
     * GetCallerIdentity per identity and process. False while the identity is unknown (preview) or the state records
     * no database ARN; update then refuses a database other than the recorded one.
     */
    private async reachesOtherAccount(target: AwsTarget, context: OperationContext, inputs: DatabaseKmsKeyInputs, databaseArn: string | undefined): Promise<boolean> {
        const recorded = databaseArn === undefined ? undefined : arnAccount(databaseArn);
        if (!recorded || identityPending(inputs)) return false;
        return (await this.aws.callerAccount(target, context)) !== recorded;
    }

    /**
     * What Timestream answered (`seen`: the database is missing, or lacks this resource's claim) may only be so to
     * these credentials: when the recorded ARN names another account than the caller's, refresh and delete must fail
     * instead of dropping the resource (and the key it had before) from state. One GetCallerIdentity per identity and
     * process.
     */
    private async refuseOtherAccount(target: AwsTarget, context: OperationContext, databaseArn: string | undefined, seen: string): Promise<void> {
        const owner = databaseArn === undefined ? undefined : arnAccount(databaseArn);
        if (!owner) return;
        const caller = await this.aws.callerAccount(target, context);
        if (caller === owner) return;
        throw new DatabaseKmsKeyError(
            "WrongAccount",
            context,
            `${seen}, but it belongs to account ${owner} (${databaseArn}) and the credentials in use are of ` +
                `account ${caller}. The resource stays in state. Run again with credentials of account ${owner}: set the resource's profile or ` +
                "assumeRole input, or aws:profile / aws:assumeRoles, as the stack's other runs do",
        );
    }
}

/** Every input failure, each naming its property; unknown values pass. */
function inputFailures(news: Partial<Record<keyof DatabaseKmsKeyInputs, unknown>>): dynamic.CheckFailure[] {
    const failures: dynamic.CheckFailure[] = [];
    const rule = (property: keyof DatabaseKmsKeyInputs, required: boolean, problem: (value: string) => string | undefined) => {
        const value = news[property];
        if (value === UNKNOWN || (value === undefined && !required)) return;
        const reason =
            typeof value !== "string"
                ? `${property} ${required ? "is required and " : ""}must be a string`
                : value.isWellFormed()
                  ? problem(value)
                  : `${property} must be text: it holds a lone UTF-16 surrogate`;
        if (reason !== undefined) failures.push({ property, reason });
    };
    rule("databaseName", true, (v) => (DATABASE_NAME.test(v) ? undefined : `databaseName ${quoted(v)} must be 3-256 characters of letters, digits, "_", "." and "-"`));
    rule("kmsKeyId", true, (v) => {
        const problem = kmsKeyIdProblem(v);
        return problem && `kmsKeyId ${problem}`;
    });
    rule("region", false, (v) => regionNameProblem("region", v));
    rule("endpoint", false, (v) => endpointProblem("endpoint", v));
    rule("onDelete", false, (v) => (ON_DELETE.includes(v) ? undefined : `onDelete ${quoted(v)} must be "retain" or "restore"`));
    rule("profile", false, (v) => (v.trim() !== "" ? undefined : "profile must name a profile of the shared AWS config"));
    rule("owner", news.recordOwnership !== false, ownerProblem);
    for (const property of ["takeOver", "recordOwnership"] as const) {
        const value = news[property];
        if (value !== undefined && value !== UNKNOWN && typeof value !== "boolean") failures.push({ property, reason: `${property} must be true or false` });
    }
    const role = news.assumeRole === undefined ? undefined : assumeRoleProblem(news.assumeRole, UNKNOWN);
    if (role !== undefined) failures.push({ property: "assumeRole", reason: `assumeRole ${role}` });
    return failures;
}

/** True when `value`, or anything inside it, is Pulumi's placeholder for a value unknown during preview. */
function hasUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    return typeof value === "object" && value !== null && Object.values(value).some(hasUnknown);
}

/** True while the inputs that choose the credentials (`profile`, `assumeRole`) hold a value unknown during preview. */
function identityPending(inputs: { profile?: unknown; assumeRole?: unknown; roles?: unknown }): boolean {
    return IDENTITY_KEYS.some((name) => hasUnknown(inputs[name])) || hasUnknown(inputs.roles);
}

/**
 * The database a resource manages is fixed by its state: fails with `WrongAccount`, before `then` (what was not done),
 * when Timestream describes another database under the same name (another account or region, as other credentials
 * reach). A state that recorded no ARN holds nothing against it.
 */
function refuseOtherDatabase(context: OperationContext, recordedArn: string | undefined, found: Database, then: string): void {
    if (!recordedArn || found.Arn === undefined || found.Arn === recordedArn) return;
    const where = (arn: string) => `account ${arnAccount(arn) ?? "?"}, ${arnRegion(arn) ?? "?"}`;
    throw new DatabaseKmsKeyError(
        "WrongAccount",
        context,
        `the credentials in use reach ${found.Arn} (${where(found.Arn)}), but this resource manages ${recordedArn} (${where(recordedArn)}). ` +
            `${then}. Run with credentials of account ${arnAccount(recordedArn)} (the profile or assumeRole input, aws:profile, aws:assumeRoles); ` +
            "to move the resource to the other database, see \"Moving a resource to another account\" in the package's docs/accounts.md",
    );
}

const DATABASE_GONE = "Timestream says the database does not exist";

/** Why `region`, from the setting `source`, is not an AWS region's name, or undefined. */
function regionNameProblem(source: string, region: string): string | undefined {
    return REGION.test(region) ? undefined : `${source} ${quoted(region)} must be an AWS region such as us-east-1`;
}

/**
 * Why the effective region `found` cannot be used, or undefined: none is set, or one from stack config or the SDK's
 * chain is no region's name (the input's own is an input rule of check). UNKNOWN passes.
 */
function regionFoundProblem(found: RegionFrom | undefined): string | undefined {
    if (found === undefined) return "no AWS region is set: give the resource a region, or run `pulumi config set aws:region us-east-1`, or set AWS_REGION";
    if (found.region === UNKNOWN) return undefined;
    const problem = regionNameProblem(found.source, found.region);
    // Check refused a bad region input; one a state holds can only be fixed in the program.
    return problem && (found.source === "region" ? `${problem}. Fix it in the program` : `${problem}. Fix it, or give the resource a region input`);
}

function onDeleteOf(inputs: Partial<DatabaseKmsKeyInputs>): OnDelete {
    return inputs.onDelete ?? "retain";
}

/** The owner to record in the claim on the database, or undefined when `recordOwnership` is false. */
function claimOwnerOf(inputs: Partial<DatabaseKmsKeyInputs>): string | undefined {
    return inputs.recordOwnership === false ? undefined : inputs.owner;
}

function contextOf(operation: string, inputs: Partial<DatabaseKmsKeyInputs>, region: string): OperationContext {
    // Pulumi's placeholder means nothing to a reader.
    const shown = (value: string | undefined) => (value === UNKNOWN ? "(unknown until apply)" : value);
    return { operation, databaseName: String(shown(inputs.databaseName)), region: shown(region)!, kmsKeyId: shown(inputs.kmsKeyId) };
}

/** A resource state for the engine to record from an error: the host's "created but failed to initialise". */
interface Recorded {
    id: string;
    properties: Record<string, unknown>;
}

/**
 * The error for an UpdateDatabase to `keyArn` whose outcome neither the write nor the DescribeDatabase after it could
 * tell. With `unresolved`, it carries the state the engine records; without (a restore), the resource stays as it was.
 */
function outcomeUnknown(context: OperationContext, keyArn: string, before: string, write: DatabaseKmsKeyError, check: unknown, unresolved?: Recorded) {
    const next =
        unresolved === undefined
            ? "The resource stays in the state as it was: run the delete again once AWS answers"
            : `Pulumi records the resource as failed to initialise, keeping the key the database had (${before}) and the one attempted: ` +
              "run `pulumi up` again once AWS answers, and it finishes the change";
    return new DatabaseKmsKeyError(
        "OutcomeUnknown",
        context,
        `UpdateDatabase to ${keyArn} may or may not have been applied (${awsSaid(write)}), and DescribeDatabase could not tell which ` +
            `(${awsSaid(check)}). ${next}`,
        { cause: write, recorded: unresolved },
    );
}

/** What AWS or the network said, without the operation prefix a DatabaseKmsKeyError adds. */
function awsSaid(error: unknown): string {
    const cause = (error instanceof DatabaseKmsKeyError ? error.cause : error) as Error | undefined;
    return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/** The key a state says this resource applied; states written before `appliedKmsKeyArn` existed give `kmsKeyArn`. */
function appliedKeyOf(state: Partial<DatabaseKmsKeyOutputs>): string | undefined {
    return state.appliedKmsKeyArn ?? state.kmsKeyArn;
}

/** Every key this resource may have put on the database: the applied one and one whose write is unresolved. */
function ownKeys(state: Partial<DatabaseKmsKeyOutputs>): string[] {
    return [appliedKeyOf(state), state.unresolvedKmsKeyArn].filter((key): key is string => key !== undefined);
}

/**
 * The state to record when a write to `keyArn` ends unresolved: every key the database may be on, the one it had
 * first (`previousKmsKeyArn`), and the provider module the engine needs for the resource's next operation. `olds` is an update's state.
 */
function unresolvedStateOf(
    inputs: DatabaseKmsKeyInputs,
    region: string,
    database: Database,
    before: string,
    previousKmsKeyArn: string,
    keyArn: string,
    olds: DatabaseKmsKeyOutputs | undefined,
): Record<string, unknown> {
    const keys = {
        kmsKeyArn: before,
        previousKmsKeyArn,
        appliedKmsKeyArn: olds === undefined ? before : settledKeyOf(olds, before),
        unresolvedKmsKeyArn: keyArn,
    };
    return { ...outputsOf(inputs, region, database, keys, undefined), [PROVIDER_KEY]: (inputs as unknown as Record<string, unknown>)[PROVIDER_KEY] };
}

/** The applied key once the live key `before` is seen: an unresolved write the database shows did apply. */
function settledKeyOf(state: DatabaseKmsKeyOutputs, before: string): string | undefined {
    return before === state.unresolvedKmsKeyArn ? before : appliedKeyOf(state);
}

function unusable(context: OperationContext, problem: string): DatabaseKmsKeyError {
    return new DatabaseKmsKeyError("KeyUnusable", context, `the key cannot protect the database: ${problem}. No change was made`);
}

function refuseUnusable(context: OperationContext, key: KeyMetadata, region: string): void {
    const problem = keyProblem(key, region);
    if (problem !== undefined) throw unusable(context, problem);
}

/** Runs both calls at once but reports failures in argument order, with no unhandled rejection. */
async function bothSettled<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
    const [ra, rb] = await Promise.allSettled([a, b]);
    if (ra.status === "rejected") throw ra.reason;
    if (rb.status === "rejected") throw rb.reason;
    return [ra.value, rb.value];
}

function inputsOf(state: Partial<DatabaseKmsKeyInputs>): DatabaseKmsKeyInputs {
    return pick(state, INPUT_KEYS) as DatabaseKmsKeyInputs;
}

/** What Timestream and KMS said about the database: the state beyond its inputs. */
type Facts = Omit<DatabaseKmsKeyOutputs, keyof DatabaseKmsKeyInputs>;
const FACT_KEYS: readonly (keyof Facts)[] = [
    "databaseArn",
    "kmsKeyArn",
    "previousKmsKeyArn",
    "appliedKmsKeyArn",
    "unresolvedKmsKeyArn",
    "tableCount",
    "creationTime",
    "lastUpdatedTime",
    "keyManager",
    "keyState",
];

function factsOf(state: DatabaseKmsKeyOutputs): Facts {
    return pick(state, FACT_KEYS) as Facts;
}

/** The state to record: the inputs as given (a removed optional input is dropped), the effective region, the facts. */
function stateOf(inputs: DatabaseKmsKeyInputs, region: string, facts: Facts): DatabaseKmsKeyOutputs {
    return compact({ ...inputsOf(inputs), region, onDelete: onDeleteOf(inputs), owner: claimOwnerOf(inputs), ...facts });
}

function outputsOf(
    inputs: DatabaseKmsKeyInputs,
    region: string,
    database: Database,
    keys: Pick<Facts, "kmsKeyArn" | "previousKmsKeyArn" | "appliedKmsKeyArn" | "unresolvedKmsKeyArn">,
    key: KeyMetadata | undefined,
): DatabaseKmsKeyOutputs {
    return stateOf(inputs, region, {
        ...keys,
        databaseArn: database.Arn ?? "",
        tableCount: database.TableCount ?? 0,
        creationTime: database.CreationTime?.toISOString(),
        lastUpdatedTime: database.LastUpdatedTime?.toISOString(),
        keyManager: key?.KeyManager,
        keyState: key?.KeyState,
    });
}

function pick<T extends object>(values: T, keys: readonly string[]): Partial<T> {
    return Object.fromEntries(Object.entries(values).filter(([k]) => keys.includes(k))) as Partial<T>;
}

/** Drops undefined values: Pulumi's state cannot hold them. */
function compact<T extends object>(values: T): T {
    return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as T;
}

