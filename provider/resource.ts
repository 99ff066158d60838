/**
 * The `DatabaseKmsKey` resource class, and the small provider module it
 * stores in the state of every resource.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AssumeRole } from "./credentials";
import type { DatabaseKmsKeyOutputs, OnDelete } from "./lifecycle";
import { ownerOf } from "./ownership";

/**
 * Inputs of a {@link DatabaseKmsKey}.
 *
 * @example
 * const args: DatabaseKmsKeyArgs = { databaseName: "metrics", kmsKeyId: key.arn, region: "eu-west-1" };
 */
export interface DatabaseKmsKeyArgs {
    /** Name of an existing Timestream for LiveAnalytics database. Changing it replaces the resource. */
    databaseName: pulumi.Input<string>;
    /** The key to use, in any form UpdateDatabase accepts: key ID, key ARN, `alias/NAME` or alias ARN. */
    kmsKeyId: pulumi.Input<string>;
    /** The database's region; defaults to `aws:region` stack config, then AWS_REGION and the profile. */
    region?: pulumi.Input<string>;
    /** A Timestream endpoint URL (VPC endpoint, emulator); turns endpoint discovery off. */
    endpoint?: pulumi.Input<string>;
    /** On delete, leave the key alone (`"retain"`, the default) or put back the key the database had before (`"restore"`). */
    onDelete?: pulumi.Input<OnDelete>;
    /**
     * A shared-config profile for this resource's calls (role_arn/source_profile, SSO and credential_process profiles
     * work as the AWS SDK supports them); wins over `aws:profile` and `aws:accessKey` stack config.
     */
    profile?: pulumi.Input<string>;
    /**
     * A role to assume, from the stack's credentials, for this resource's calls, e.g. a database in another account;
     * wins over `aws:assumeRoles`. Stored as a secret, input and output, whatever the program passes.
     */
    assumeRole?: pulumi.Input<{ [K in keyof AssumeRole]: pulumi.Input<AssumeRole[K]> }>;
    /**
     * Adopt the database although another owner's claim is on it: for a database whose managing stack is gone. The
     * original key that owner's claim records is kept as `previousKmsKeyArn` when it is a key ARN of the database's
     * account and region that KMS finds, not pending deletion (else the key the database is on now); its later
     * writes are refused, and its restore skipped once this resource has put its own key on the database. Default false.
     */
    takeOver?: pulumi.Input<boolean>;
    /**
     * Record this resource's ownership claim as `pulumi-timestream-kms:` tags on the database (default true), so a
     * second resource or stack cannot take the key and a killed `pulumi up`, run again, keeps the original key. `false` makes
     * no tag call at all (no tag permissions needed), and protects nothing of that.
     */
    recordOwnership?: pulumi.Input<boolean>;
}

/**
 * The provider module every resource stores as `__provider` in its state: the
 * CommonJS text the dynamic-provider host loads (with require-from-string, in
 * the user's project directory) and calls `handler()` on to get the provider.
 * It captures nothing and loads the real provider from the installed package
 * on its first call: state stays small (under 1 KB; Pulumi's serializer would
 * wrap each of the seven methods in about 230 bytes), the text is the same in
 * every version, an upgraded package serves old resources, and no AWS SDK
 * object is ever serialized.
 *
 * @example
 * const provider = require("require-from-string")(PROVIDER_MODULE).handler();
 * await provider.check({}, { databaseName: "metrics", kmsKeyId: "alias/metrics" });
 */
// No backtick and no `${` inside: String.raw keeps everything else, `\n` included, exactly as the state will hold it.
export const PROVIDER_MODULE = String.raw`"use strict";
// pulumi-timestream-kms: loads DatabaseKmsKeyProvider from the project's installed package on the first call.
exports.handler = () => {
    let real;
    const load = () => {
        try {
            return (real = real || new (require("pulumi-timestream-kms/lifecycle").DatabaseKmsKeyProvider)());
        } catch (e) {
            throw Error("DatabaseKmsKey: cannot load the package pulumi-timestream-kms from this project (" + String(e).split("\n")[0] + "). Run: npm install pulumi-timestream-kms");
        }
    };
    const provider = {};
    for (const m of ["configure", "check", "diff", "create", "read", "update", "delete"]) provider[m] = (...a) => load()[m](...a);
    return provider;
};
`;

// The type token `pulumi.dynamic.Resource` would build; the `pulumi-nodejs` package routes the resource to the engine's
// Node.js dynamic-provider host. Unchanged since 0.1.0: another token would replace every existing resource.
const TYPE = "pulumi-nodejs:dynamic/timestream:DatabaseKmsKey";

/** The owner `ownerOf` writes for a resource of this type named `name` under `parent` (the stack when unset). */
function ownerFor(name: string, parent: pulumi.Resource | undefined): pulumi.Input<string> {
    const identity = { organization: organization(), project: pulumi.getProject(), stack: pulumi.getStack(), type: TYPE, name };
    return parent === undefined ? ownerOf(identity) : parent.urn.apply((parentUrn) => ownerOf({ ...identity, parentUrn }));
}

/** The Pulumi organization, or undefined where the CLI gives none (`getOrganization` throws then). */
function organization(): string | undefined {
    try {
        return pulumi.getOrganization();
    } catch {
        return undefined;
    }
}

/**
 * The KMS key of an existing Amazon Timestream for LiveAnalytics database.
 * Creating it adopts the database (no `pulumi import` needed) and calls
 * UpdateDatabase only when the database does not use the key yet. Replacing
 * it deletes the old resource first (`deleteBeforeReplace` defaults to true).
 *
 * @example
 * import { DatabaseKmsKey } from "pulumi-timestream-kms";
 *
 * const key = new DatabaseKmsKey("metrics-key", {
 *     databaseName: "metrics",
 *     kmsKeyId: "alias/metrics",
 *     onDelete: "restore",
 * });
 * export const keyArn = key.kmsKeyArn;
 */
export class DatabaseKmsKey extends pulumi.CustomResource {
    /** The database, as given. */
    declare readonly databaseName: pulumi.Output<string>;
    /** The key, as given (any form). */
    declare readonly kmsKeyId: pulumi.Output<string>;
    /** The effective region. */
    declare readonly region: pulumi.Output<string>;
    /** The Timestream endpoint, as given. */
    declare readonly endpoint: pulumi.Output<string | undefined>;
    /** The profile, as given. */
    declare readonly profile: pulumi.Output<string | undefined>;
    /** The role assumed, as given. */
    declare readonly assumeRole: pulumi.Output<AssumeRole | undefined>;
    /** What deleting the resource does to the key; `"retain"` unless given. */
    declare readonly onDelete: pulumi.Output<OnDelete>;
    /** The database's ARN. */
    declare readonly databaseArn: pulumi.Output<string>;
    /** The key ARN the database uses now. */
    declare readonly kmsKeyArn: pulumi.Output<string>;
    /** The key ARN the database had when this resource first took it over. */
    declare readonly previousKmsKeyArn: pulumi.Output<string>;
    /** The key ARN this resource last put on the database; `onDelete: "restore"` acts only while the database still uses it. */
    declare readonly appliedKmsKeyArn: pulumi.Output<string>;
    /** Set only while an UpdateDatabase's outcome is unknown (the resource failed to initialise); the next `pulumi up` settles it. */
    declare readonly unresolvedKmsKeyArn: pulumi.Output<string | undefined>;
    /** Tables in the database. */
    declare readonly tableCount: pulumi.Output<number>;
    /** ISO 8601, when Timestream reports it. */
    declare readonly creationTime: pulumi.Output<string | undefined>;
    /** ISO 8601, when Timestream reports it. */
    declare readonly lastUpdatedTime: pulumi.Output<string | undefined>;
    /** `"AWS"` or `"CUSTOMER"`: who manages the key the database uses now; unset when KMS will not describe it. */
    declare readonly keyManager: pulumi.Output<"AWS" | "CUSTOMER" | undefined>;
    /** KMS state of the key the database uses now (Enabled, Disabled, PendingDeletion, …); unset when KMS will not describe it. */
    declare readonly keyState: pulumi.Output<string | undefined>;
    /** Whether another owner's claim may be taken over, as given. */
    declare readonly takeOver: pulumi.Output<boolean | undefined>;
    /** Whether the ownership claim is recorded, as given. */
    declare readonly recordOwnership: pulumi.Output<boolean | undefined>;
    /** The owner recorded in the claim on the database, `PROJECT/STACK/RESOURCE+HASH`; unset when `recordOwnership` is false. */
    declare readonly owner: pulumi.Output<string | undefined>;

    constructor(name: string, args: DatabaseKmsKeyArgs, opts?: pulumi.CustomResourceOptions) {
        const props: Record<keyof DatabaseKmsKeyOutputs, unknown> = {
            databaseName: args.databaseName,
            kmsKeyId: args.kmsKeyId,
            region: args.region,
            endpoint: args.endpoint,
            onDelete: args.onDelete,
            profile: args.profile,
            // A role's external ID and session policy are secrets wherever they are stored, as the program's input and
            // as the output, whatever the program passed.
            assumeRole: args.assumeRole === undefined ? undefined : pulumi.secret(args.assumeRole),
            takeOver: args.takeOver,
            recordOwnership: args.recordOwnership,
            // Who this resource is, for the claim on the database: the host passes the provider no URN. The parent's URN
            // carries the parent chain, so two resources of one name under two components record two owners.
            owner: ownerFor(name, opts?.parent),
            databaseArn: undefined,
            kmsKeyArn: undefined,
            previousKmsKeyArn: undefined,
            appliedKmsKeyArn: undefined,
            unresolvedKmsKeyArn: undefined,
            tableCount: undefined,
            creationTime: undefined,
            lastUpdatedTime: undefined,
            keyManager: undefined,
            keyState: undefined,
        };
        // Replacing must release the database (restoring its key if asked) before the new resource adopts it, or the
        // new one records the old one's key as previous and the old one's restore then undoes the new key.
        const additionalSecretOutputs = [...new Set([...(opts?.additionalSecretOutputs ?? []), "assumeRole"])];
        super(TYPE, name, { ...props, __provider: PROVIDER_MODULE }, { ...opts, deleteBeforeReplace: opts?.deleteBeforeReplace ?? true, additionalSecretOutputs });
    }
}

