/**
 * KMS key identifiers: the four forms UpdateDatabase accepts, how to tell them
 * apart, the key ARN a key ID or key ARN stands for (so forms compare locally;
 * aliases need KMS, see lifecycle.ts), and whether a described key may protect
 * a database. Pure functions: nothing here calls AWS.
 */
import { quoted } from "./quote";

/** The four ways a KMS key can be named to UpdateDatabase. */
export type KeyForm = "keyId" | "keyArn" | "aliasName" | "aliasArn";

/** A KMS key identifier taken apart. */
export interface KeyRef {
    readonly form: KeyForm;
    /** The identifier as written. */
    readonly value: string;
    /** `key/<id>` part for key forms, `alias/<name>` for alias forms. */
    readonly resource: string;
    /** Set for the ARN forms only. */
    readonly partition?: string;
    readonly region?: string;
    readonly account?: string;
}

/** The subset of KMS DescribeKey's KeyMetadata {@link keyProblem} reads. */
export interface KeyFacts {
    readonly Arn?: string;
    readonly KeyState?: string;
    readonly KeyUsage?: string;
    readonly KeySpec?: string;
}

const KMS_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):((?:key|alias)\/.+)$/;
const STRICT_KEY_ID = /^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
// KMS allows letters, digits, "/", "_", "-" and ":" in alias names.
const ALIAS = /^alias\/[A-Za-z0-9:/_-]{1,250}$/;
// Emulators use non-UUID key ids (moto's default key is `key/default_key`); live values are read leniently.
const ANY_KEY_ID = /^[A-Za-z0-9_-]+$/;
const MAX_KEY_ID_LENGTH = 2048;

/**
 * Classifies a KMS key identifier by its shape, leniently enough to read any
 * value DescribeDatabase may report. Returns undefined for anything else.
 *
 * @example
 * parseKeyRef("alias/orders").form; // "aliasName"
 */
export function parseKeyRef(value: string): KeyRef | undefined {
    const arn = KMS_ARN.exec(value);
    if (arn) {
        const [, partition, region, account, resource] = arn;
        const isKey = resource.startsWith("key/");
        if (isKey ? !ANY_KEY_ID.test(resource.slice(4)) : !ALIAS.test(resource)) return undefined;
        return { form: isKey ? "keyArn" : "aliasArn", value, resource, partition, region, account };
    }
    if (ALIAS.test(value)) return { form: "aliasName", value, resource: value };
    if (ANY_KEY_ID.test(value)) return { form: "keyId", value, resource: `key/${value}` };
    return undefined;
}

/**
 * Why `value` is not a KMS key identifier UpdateDatabase accepts, or undefined
 * when it is one: a key ID (UUID or `mrk-…`), key ARN, alias name or alias ARN
 * of 1–2048 characters.
 *
 * @example
 * kmsKeyIdProblem("alias/orders"); // undefined
 * kmsKeyIdProblem("orders");       // "must be a key ID, key ARN, …"
 */
export function kmsKeyIdProblem(value: string): string | undefined {
    const ref = value.length <= MAX_KEY_ID_LENGTH ? parseKeyRef(value) : undefined;
    const keyIdOk = ref && (isAlias(ref) || STRICT_KEY_ID.test(ref.resource.slice(4)));
    if (ref && keyIdOk) return undefined;
    return (
        `${quoted(value)} must be a KMS key ID (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-…), ` +
        "key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), alias name (alias/NAME) or alias ARN " +
        `(arn:aws:kms:REGION:ACCOUNT:alias/NAME), at most ${MAX_KEY_ID_LENGTH} characters`
    );
}

/** True for the forms that name an alias, which only KMS can resolve to a key. */
export function isAlias(ref: KeyRef): boolean {
    return ref.form === "aliasName" || ref.form === "aliasArn";
}

/**
 * The key ARN a key ID or key ARN stands for, worked out locally: a bare key ID
 * lives in the database's partition, region and account, read from the
 * database ARN. Undefined for aliases, which need KMS.
 *
 * @example
 * localKeyArn(parseKeyRef("1234abcd-12ab-34cd-56ef-1234567890ab")!, "arn:aws:timestream:us-east-1:111122223333:database/db");
 * // "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
 */
export function localKeyArn(ref: KeyRef, databaseArn: string): string | undefined {
    if (ref.form === "keyArn") return ref.value;
    if (ref.form !== "keyId") return undefined;
    const [, partition, , region, account] = databaseArn.split(":");
    return `arn:${partition}:kms:${region}:${account}:${ref.resource}`;
}

/**
 * Why `value` is not the ARN of a KMS key in the database's partition, account and region, or undefined when it is
 * one: the only form a key read from someone else's record (a tag) may take, as it names one key for good and
 * cannot be re-pointed as an alias can.
 *
 * @example
 * keyArnProblem("alias/orders", "arn:aws:timestream:us-east-1:111122223333:database/db"); // "it is not a key ARN …"
 */
export function keyArnProblem(value: string, databaseArn: string): string | undefined {
    const ref = parseKeyRef(value);
    if (ref?.form !== "keyArn") return "it is not a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)";
    const [, partition, , region, account] = arnParts(databaseArn) ?? [];
    if (ref.partition !== partition || ref.account !== account || ref.region !== region) {
        return `it is not a key of the database's account ${account} and region ${region}`;
    }
    return undefined;
}

/** The region part of an ARN, or undefined when `arn` is not one. */
export function arnRegion(arn: string): string | undefined {
    return arnParts(arn)?.[3];
}

/**
 * The account part of an ARN, or undefined when `arn` is not one.
 *
 * @example
 * arnAccount("arn:aws:timestream:us-east-1:111122223333:database/metrics"); // "111122223333"
 */
export function arnAccount(arn: string): string | undefined {
    return arnParts(arn)?.[4];
}

function arnParts(arn: string): string[] | undefined {
    const parts = arn.split(":");
    return parts.length >= 6 && parts[0] === "arn" ? parts : undefined;
}

/**
 * Why a KMS key in `keyRegion` cannot protect a database in `databaseRegion`,
 * or undefined. KMS keys are regional; a multi-Region key's replica has its own
 * ARN in the replica's region, so it passes.
 */
export function regionProblem(keyRegion: string | undefined, databaseRegion: string): string | undefined {
    return keyRegion !== undefined && keyRegion !== databaseRegion
        ? `it lives in ${keyRegion}, but the database is in ${databaseRegion} and KMS keys are regional; ` +
              `use a key (or a multi-Region key replica) in ${databaseRegion}`
        : undefined;
}

/**
 * Why a described key cannot encrypt a Timestream database, or undefined when
 * it can: it must be enabled, a symmetric encryption key, and in the
 * database's region. Fields DescribeKey left out are not held against the key
 * (some emulators omit KeyUsage; AWS always sends it).
 *
 * @example
 * keyProblem({ Arn: "arn:aws:kms:us-east-1:111122223333:key/k", KeyState: "Disabled" }, "us-east-1");
 * // "its state is Disabled, not Enabled; enable it (kms:EnableKey) or choose another key"
 */
export function keyProblem(key: KeyFacts, databaseRegion: string): string | undefined {
    if (key.KeyState !== undefined && key.KeyState !== "Enabled") {
        const fix = key.KeyState === "PendingDeletion" ? "cancel its deletion (kms:CancelKeyDeletion) and enable it" : "enable it (kms:EnableKey)";
        return `its state is ${key.KeyState}, not Enabled; ${fix} or choose another key`;
    }
    if ((key.KeyUsage !== undefined && key.KeyUsage !== "ENCRYPT_DECRYPT") || (key.KeySpec !== undefined && key.KeySpec !== "SYMMETRIC_DEFAULT")) {
        return (
            `it is a ${key.KeySpec ?? "?"} key for ${key.KeyUsage ?? "?"}, but Timestream needs a symmetric encryption key ` +
            "(KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT); choose such a key"
        );
    }
    return regionProblem(key.Arn === undefined ? undefined : arnRegion(key.Arn), databaseRegion);
}
