/**
 * AWS clients and error mapping: one Timestream client per region, endpoint
 * and profile, one KMS client per region and profile, DescribeKey answers
 * kept per operation (per session for refresh), and every AWS failure turned into one
 * {@link DatabaseKmsKeyError} a user can act on.
 */
import {
    Database,
    DescribeDatabaseCommand,
    ListTagsForResourceCommand,
    TagResourceCommand,
    TimestreamWriteClient,
    UntagResourceCommand,
    UpdateDatabaseCommand,
} from "@aws-sdk/client-timestream-write";
import { DescribeKeyCommand, KeyMetadata, KMSClient } from "@aws-sdk/client-kms";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { getProfileName, loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from "@smithy/core/config";
import { isThrottlingError } from "@smithy/core/retry";
import type { Pluggable, RetryStrategyV2 } from "@smithy/types";
import { clientCredentials, Identity, identityKey } from "./credentials";
import { KeyRef, parseKeyRef } from "./keys";
import { endpointOf, StackEndpoints } from "./endpoints";
import { CLAIM_TAG_KEYS, Tag } from "./ownership";
import {
    asPartOf,
    attemptMayHaveApplied,
    CallClass,
    KMS_CALLS,
    mayHaveReachedAws,
    NOT_CONNECTED_CODES,
    RetryConfigError,
    retriesOf,
    retryOf,
    RetrySettings,
    SharedProfile,
    STS_CALLS,
    THROTTLED_WAIT_PER_ATTEMPT_MS,
    TIMESTREAM_CALLS,
} from "./retry";

/** Where the database lives and how to reach it. Holds no credential. */
export interface AwsTarget {
    readonly region: string;
    /** Timestream endpoint URL given as the `endpoint` input. */
    readonly endpoint?: string;
    /** Whose credentials sign the calls; the SDK's default chain when unset. Clients and caches are per identity. */
    readonly identity?: Identity;
    /** `aws:maxRetries` and `aws:retryMode`; the same for every target of a process. */
    readonly retry?: RetrySettings;
    /** `aws:endpoints`; the same for every target of a process. */
    readonly endpoints?: StackEndpoints["urls"];
}

/** What a failing operation was doing, for the error message. */
export interface OperationContext {
    readonly operation: string;
    readonly databaseName: string;
    readonly region: string;
    readonly kmsKeyId?: string;
    /** Said after every failure of this operation, e.g. how to get out of a failing delete. */
    readonly nextStep?: string;
}

/**
 * What went wrong, in words a program can branch on:
 * - `AccessDenied`: IAM or the key policy refused a call; the message lists the actions needed.
 * - `NoCredentials` / `BadCredentials`: no credentials found / they have expired (an SSO session or token, a
 *   session token) or AWS rejected them (wrong, revoked, clock skew).
 * - `NoRegion`: no region in the input, `aws:region` or the SDK's chain.
 * - `NoEndpoint`: endpoint discovery is switched off (`AWS_ENABLE_ENDPOINT_DISCOVERY=false`) and no endpoint is set.
 * - `DatabaseNotFound`, `KeyNotFound`: the database, or the key or alias, does not exist in the region.
 * - `KeyUnusable`: the key is not enabled, not symmetric, or in another region; nothing was written.
 * - `KeyConflict`: another writer's UpdateDatabase won (first writer wins).
 * - `ClaimedElsewhere`: another owner's ownership claim (another stack, or another resource of this one) is on the
 *   database; nothing was written. Remove one of the two, or set `takeOver: true` when the other stack is gone.
 * - `GrantLimit`: AWS answered ServiceQuotaExceededException, a quota of the account; the key's KMS grants are one
 *   possible cause (the code keeps its first name).
 * - `Rejected`: AWS refused the request as invalid.
 * - `Unavailable`: throttling or 5xx outlasted the retries; for throttling, the message names the quota that throttled
 *   (Timestream writes or reads, KMS, STS), the attempts and seconds, and whether the operation's bound on time spent
 *   throttled (11 s per attempt of `aws:maxRetries`, 4 min 35 s by default) ran out.
 * - `Unreachable`: the endpoint could not be reached (refused, no such host, reset) or did not answer in time; the
 *   message says which, and after how long a timeout.
 * - `OutcomeUnknown`: UpdateDatabase may or may not have applied, and Timestream could not be asked which; the
 *   resource is recorded as failed to initialise (see {@link DatabaseKmsKeyError.properties}) and the next
 *   `pulumi up` finishes it.
 * - `WrongAccount`: the credentials are of an account `aws:allowedAccountIds`/`aws:forbiddenAccountIds` refuses, or
 *   of another account than the database's, which refresh and delete would otherwise take for "gone", or reach another
 *   database of the same name than the one the state recorded (`databaseArn`); nothing was recorded or written.
 * - `InvalidConfig`: stack config (`aws:assumeRoles`, `aws:allowedAccountIds`, …), an `AWS_ENDPOINT_URL*` variable
 *   (SSO's, SSO OIDC's and Signin's included), an `endpoint_url` or `services` section of the shared config file, or an
 *   endpoint a state recorded before endpoints were checked, cannot be used.
 * - `Failed`: anything else; the message carries AWS's own words.
 *
 * @example
 * if (error instanceof DatabaseKmsKeyError && error.code === "Unavailable") { ... retry later ... }
 */
export type DatabaseKmsKeyErrorCode =
    | "AccessDenied"
    | "NoCredentials"
    | "BadCredentials"
    | "NoRegion"
    | "NoEndpoint"
    | "DatabaseNotFound"
    | "KeyNotFound"
    | "KeyUnusable"
    | "KeyConflict"
    | "ClaimedElsewhere"
    | "GrantLimit"
    | "Rejected"
    | "Unavailable"
    | "Unreachable"
    | "OutcomeUnknown"
    | "WrongAccount"
    | "InvalidConfig"
    | "Failed";

/**
 * The one error this package throws: it names the operation, database, region
 * and key, says what to do next, and keeps the AWS error as `cause`.
 *
 * @example
 * try { await provider.create(inputs); }
 * catch (e) { if (e instanceof DatabaseKmsKeyError && e.code === "DatabaseNotFound") { … } }
 */
export class DatabaseKmsKeyError extends Error {
    readonly name = "DatabaseKmsKeyError";
    /**
     * Set on `OutcomeUnknown` only: the resource id, the state to record and why. Pulumi's dynamic-provider host
     * turns an error carrying them into the engine's "created but failed to initialise", so the engine keeps the
     * state (and the key the database had before) and the next `pulumi up` updates the resource.
     */
    readonly id?: string;
    readonly properties?: Record<string, unknown>;
    readonly reasons?: string[];
    constructor(
        readonly code: DatabaseKmsKeyErrorCode,
        context: OperationContext,
        problem: string,
        options?: { cause?: unknown; recorded?: { id: string; properties: Record<string, unknown> } },
    ) {
        const next = context.nextStep === undefined ? "" : `. ${context.nextStep}`;
        super(`${operationOf(context)} failed: ${problem}${next}`, { cause: options?.cause });
        if (options?.recorded !== undefined) {
            this.id = options.recorded.id;
            this.properties = options.recorded.properties;
            this.reasons = [this.message];
        }
    }
}

/** The operation, database, region and key `context` names, as every message starts. */
function operationOf(context: OperationContext): string {
    const key = context.kmsKeyId === undefined ? "" : ` with KMS key "${context.kmsKeyId}"`;
    return `${context.operation} of database "${context.databaseName}" in ${context.region}${key}`;
}

/**
 * Writes a warning about an operation that goes on to the provider's log (its standard error, which the Pulumi CLI
 * shows with `--debug`; the provider host has no other channel to the engine's diagnostics).
 *
 * @example
 * warn(context, "the claim's original-key tag names …, but …");
 */
export function warn(context: OperationContext, message: string): void {
    process.stderr.write(`warning: ${operationOf(context)}: ${message}\n`);
}

// Failures that prove a write was not applied: AWS refused it as such, or it was never sent.
const NOT_APPLIED: readonly DatabaseKmsKeyErrorCode[] = [
    "AccessDenied",
    "NoCredentials",
    "BadCredentials",
    "NoRegion",
    "DatabaseNotFound",
    "KeyNotFound",
    "KeyUnusable",
    "ClaimedElsewhere",
    "GrantLimit",
    "Rejected",
    "NoEndpoint",
    "InvalidConfig",
];

/**
 * Whether a failed write may have been applied all the same: one of its attempts may have (a 5xx answer, a timeout
 * or a connection lost after sending). An AWS refusal of every attempt (a 4xx, throttling included) or a request
 * never sent (connection refused, no such host, no credentials) proves it was not. The clients' attempt middleware
 * tells; for an error it did not see, a 4xx other than throttling, or a failure before sending, proves it.
 */
export function mayHaveApplied(error: DatabaseKmsKeyError): boolean {
    if (NOT_APPLIED.includes(error.code)) return false;
    const inner = failureOf(error.cause).error;
    const seen = mayHaveReachedAws(inner);
    if (seen !== undefined) return seen;
    // The status of the error the SDK wrapped, as the mapping itself reads it.
    const status = inner.$metadata?.httpStatusCode;
    return !(error.code === "Failed" && status !== undefined && status >= 400 && status < 500);
}

// What the caller calls itself, and what Timestream does with the caller's rights on the key.
const CALLER_ACTIONS = ["timestream:DescribeEndpoints", "timestream:DescribeDatabase", "timestream:UpdateDatabase", "kms:DescribeKey"];
// The ownership claim's calls, which `recordOwnership: false` turns off.
const CLAIM_ACTIONS = ["timestream:ListTagsForResource", "timestream:TagResource", "timestream:UntagResource"];
const KEY_GRANT_ACTIONS = ["kms:CreateGrant"];

/**
 * IAM actions a caller needs; printed by every AccessDenied error and listed in docs/iam.md, whose policy scopes each
 * to the database or keys it acts on (only `timestream:DescribeEndpoints` takes no resource).
 *
 * @example
 * const onDatabase = REQUIRED_IAM_ACTIONS.filter((a) => a.startsWith("timestream:") && a !== "timestream:DescribeEndpoints");
 * const statement = { Effect: "Allow", Action: onDatabase, Resource: "arn:aws:timestream:us-east-1:111111111111:database/metrics" };
 */
export const REQUIRED_IAM_ACTIONS: readonly string[] = [...CALLER_ACTIONS, ...CLAIM_ACTIONS, ...KEY_GRANT_ACTIONS];

/** How long a connection may take to open, and a request to be answered, in milliseconds. */
export interface Timeouts {
    readonly connectionTimeout: number;
    readonly requestTimeout: number;
}

// Bounded so an unreachable or silent endpoint fails within a minute (three attempts) instead of hanging `pulumi up`;
// Timestream, KMS and STS answer these calls in well under a second.
export const DEFAULT_TIMEOUTS: Timeouts = { connectionTimeout: 5_000, requestTimeout: 15_000 };

interface AwsErrorShape {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number; attempts?: number };
}

/**
 * Maps any AWS SDK or network failure to a {@link DatabaseKmsKeyError}. Errors the SDK wraps (endpoint discovery
 * puts the real one in `.reason`, others in `.cause`) are unwrapped first, so the rules see what AWS or the network
 * really said; the original stays the `cause`. Throttling and 5xx have already been retried by the SDK when they get here.
 */
export function toDatabaseKmsKeyError(error: unknown, context: OperationContext, action?: string): DatabaseKmsKeyError {
    if (error instanceof DatabaseKmsKeyError) return error;
    const failure = failureOf(error);
    for (const rule of RULES) {
        const verdict = rule(failure, context, action);
        if (verdict !== undefined) return new DatabaseKmsKeyError(verdict[0], context, verdict[1], { cause: error });
    }
    if (failure.name === "ResourceNotFoundException") return databaseNotFound(context, error);
    return new DatabaseKmsKeyError("Failed", context, failure.discovery ? discoveryFailed(failure) : failure.said, { cause: error });
}

/** A failure as the rules see it: the innermost error, and whether it came from endpoint discovery. */
interface Failure {
    readonly error: AwsErrorShape;
    readonly name: string;
    /** "Name: message", saying "endpoint discovery (DescribeEndpoints)" first when discovery failed. */
    readonly said: string;
    /** The SDK's DescribeEndpoints call failed, before the operation itself was sent. */
    readonly discovery: boolean;
}

/** A mapping rule; `action` is the IAM action of the call that failed, when the caller names it. */
type Rule = (failure: Failure, context: OperationContext, action?: string) => [DatabaseKmsKeyErrorCode, string] | undefined;

// The SDK's endpoint discovery wraps every DescribeEndpoints failure in a plain Error with this message.
const DISCOVERY_WRAPPER = /discover endpoint failed/;

/** Follows `.reason` (endpoint discovery) and `.cause` down to the error AWS or the network raised. */
function failureOf(error: unknown): Failure {
    let inner: unknown = error;
    let discovery = false;
    // Bounded: a cause chain could loop.
    for (let depth = 0; depth < 5; depth++) {
        const e = inner as (AwsErrorShape & { reason?: unknown; cause?: unknown }) | null | undefined;
        // An AWS service error is the answer itself.
        if (typeof e !== "object" || e === null || e.$metadata !== undefined) break;
        if (DISCOVERY_WRAPPER.test(e.message ?? "") && typeof e.reason === "object" && e.reason !== null) {
            discovery = true;
            inner = e.reason;
        } else if (typeof e.cause === "object" && e.cause !== null) {
            inner = e.cause;
        } else {
            break;
        }
    }
    const e = (inner ?? {}) as AwsErrorShape;
    const name = e.name ?? "Error";
    const said = `${discovery ? "endpoint discovery (DescribeEndpoints): " : ""}${name}: ${e.message ?? String(inner)}`;
    return { error: e, name, said, discovery };
}

const RULES: readonly Rule[] = [
    invalidRetryConfig,
    discoveryDisabled,
    accessDenied,
    expiredCredentials,
    rejectedCredentials,
    noCredentials,
    quotaExceeded,
    keyNotFound,
    rejected,
    unavailable,
    timedOut,
    unreachable,
];

/** AWS_ENABLE_ENDPOINT_DISCOVERY=false (or the profile's setting) and no endpoint: the SDK refuses Timestream. */
function discoveryDisabled(f: Failure): [DatabaseKmsKeyErrorCode, string] | undefined {
    if (!/Endpoint Discovery is disabled/.test(f.error.message ?? "")) return undefined;
    const variable = ["AWS_ENABLE_ENDPOINT_DISCOVERY", "AWS_ENDPOINT_DISCOVERY_ENABLED"].find((v) => process.env[v] !== undefined);
    const setting = variable === undefined ? "endpoint_discovery_enabled in the AWS config file" : `${variable}=${process.env[variable]}`;
    return [
        "NoEndpoint",
        `endpoint discovery is switched off (${setting}) and no Timestream endpoint is set, so the SDK cannot reach Timestream (${f.said}). ` +
            `Unset ${setting.split("=")[0]}, or give the resource an endpoint (or set AWS_ENDPOINT_URL_TIMESTREAM_WRITE)`,
    ];
}

function accessDenied(f: Failure, context: OperationContext, action?: string): [DatabaseKmsKeyErrorCode, string] | undefined {
    if (!/AccessDenied/.test(f.name)) return undefined;
    if (action !== undefined && CLAIM_ACTIONS.includes(action)) {
        return [
            "AccessDenied",
            `AWS denied ${action} (${f.said}), which records who manages the database's key. Give the caller ${CLAIM_ACTIONS.join(", ")} ` +
                "on the database, or set recordOwnership: false on the resource to turn the ownership claim off; see the README's IAM policy",
        ];
    }
    if (f.discovery) {
        return [
            "AccessDenied",
            `AWS denied the request (${f.said}). Give the caller timestream:DescribeEndpoints on Resource "*" ` +
                "(it cannot be limited to a database), or give the resource an endpoint, which turns discovery off; see the README's IAM policy",
        ];
    }
    return [
        "AccessDenied",
        `AWS denied the request (${f.said}). Give the caller ${CALLER_ACTIONS.join(", ")} ` +
            `(and ${CLAIM_ACTIONS.join(", ")} for the ownership claim, unless recordOwnership is false), ` +
            `and ${KEY_GRANT_ACTIONS.join(", ")} on the key so Timestream can use it ` +
            `(key policy or IAM, with kms:ViaService timestream.${context.region}.amazonaws.com); see the README's IAM policy`,
    ];
}

// Credentials and SSO token providers raise these when they cannot give credentials.
const PROVIDER_ERRORS = ["CredentialsProviderError", "TokenProviderError"];

/** An expired SSO session or token, or an expired session token AWS refused: say so and how to renew. */
function expiredCredentials(f: Failure): [DatabaseKmsKeyErrorCode, string] | undefined {
    const expired = /^ExpiredToken/.test(f.name) || (PROVIDER_ERRORS.includes(f.name) && /expired/i.test(f.error.message ?? ""));
    if (!expired) return undefined;
    return [
        "BadCredentials",
        `the AWS credentials have expired (${f.said}). Renew them: run \`aws sso login\` (with --profile for the profile in use) ` +
            "for an SSO profile, or get new temporary credentials (AWS_SESSION_TOKEN) otherwise, then retry",
    ];
}

function rejectedCredentials(f: Failure): [DatabaseKmsKeyErrorCode, string] | undefined {
    if (!/UnrecognizedClient|InvalidSignature|SignatureDoesNotMatch|InvalidClientTokenId/.test(f.name)) return undefined;
    return [
        "BadCredentials",
        `AWS rejected the credentials (${f.said}): they are wrong, revoked or expired, or the clock is off. ` +
            "Refresh them (aws sso login, a new session token) and check the system clock",
    ];
}

function noCredentials(f: Failure): [DatabaseKmsKeyErrorCode, string] | undefined {
    if (!PROVIDER_ERRORS.includes(f.name)) return undefined;
    return ["NoCredentials", `no AWS credentials were found (${f.said}). Set AWS_PROFILE or aws:profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`];
}

/** AWS documents ServiceQuotaExceededException as a quota of the account; the key's grants are one possible cause. */
function quotaExceeded(f: Failure): [DatabaseKmsKeyErrorCode, string] | undefined {
    if (f.name !== "ServiceQuotaExceededException") return undefined;
    return [
        "GrantLimit",
        `${f.said}. AWS reports that a quota of the account was exceeded: check the account's Timestream and KMS quotas ` +
            "(Service Quotas console) and request an increase or free capacity. One possible cause is the key's KMS grants: " +
            "list them (aws kms list-grants) and retire unused ones, or use another key, then retry",
    ];
}

function keyNotFound(f: Failure, context: OperationContext): [DatabaseKmsKeyErrorCode, string] | undefined {
    if (f.name !== "NotFoundException") return undefined;
    return ["KeyNotFound", `KMS has no such key or alias in ${context.region} (${f.said}). Check the key identifier and region`];
}

function rejected(f: Failure): [DatabaseKmsKeyErrorCode, string] | undefined {
    if (!/Validation|InvalidArn|KMSInvalidState|Disabled/.test(f.name)) return undefined;
    return ["Rejected", `AWS rejected the request (${f.said}). Check the key identifier, its state and its region`];
}

function unavailable(f: Failure): [DatabaseKmsKeyErrorCode, string] | undefined {
    const status = f.error.$metadata?.httpStatusCode;
    // The SDK's own test: Timestream and KMS say ThrottlingException, STS says Throttling, any service may answer 429.
    const throttled = isThrottlingError({ name: f.name, $metadata: f.error.$metadata ?? {} } as Parameters<typeof isThrottlingError>[0]);
    if (!throttled && (status === undefined || status < 500)) return undefined;
    const attempts = f.error.$metadata?.attempts ?? 1;
    if (throttled) {
        const retried = retriesOf(f.error);
        const over = retried === undefined ? "" : ` over ${wholeSeconds(retried.elapsedMs)}`;
        // STS alone says Throttling, also from the SDK's own STS clients (a profile's role_arn), which this package does not retry.
        const quota = retried?.quota ?? (f.name === "Throttling" ? STS_CALLS().quota : undefined);
        const which = quota === undefined ? "AWS accepts only so many calls a second per account and region" : `The quota that throttled it: ${quota}`;
        const bound = retried?.outOfTime;
        const waited =
            bound === undefined
                ? ""
                : ` The operation gave up after waiting ${wholeSeconds(bound.waitedMs)} throttled over all its calls: another attempt would pass its bound of ` +
                  `${wholeSeconds(bound.boundMs)} (${wholeSeconds(THROTTLED_WAIT_PER_ATTEMPT_MS)} for each of the ${bound.attempts} attempts a throttled call gets).`;
        return [
            "Unavailable",
            `AWS kept throttling the request: ${attempts} attempt(s)${over} (${f.said}). ${which}.${waited} ` +
                `Raise aws:maxRetries (pulumi config set aws:maxRetries 50; default 25), which gives throttled calls more attempts and each operation ` +
                `${wholeSeconds(THROTTLED_WAIT_PER_ATTEMPT_MS)} more of waiting per attempt, or run fewer at once (pulumi up --parallel 4), then run again`,
        ];
    }
    return ["Unavailable", `AWS kept failing after ${attempts} attempt(s) (${f.said}${status ? `, HTTP ${status}` : ""}). Try again later`];
}

function wholeSeconds(ms: number): string {
    return `${Math.round(ms / 1000)} s`;
}

/** A retry setting of the environment or the shared config (AWS_MAX_ATTEMPTS, retry_mode, …) that cannot be used. */
function invalidRetryConfig(f: Failure): [DatabaseKmsKeyErrorCode, string] | undefined {
    if (!(f.error instanceof RetryConfigError)) return undefined;
    return ["InvalidConfig", `${f.error.message}. Fix or unset it (aws:maxRetries and aws:retryMode stack config win over it) and run again`];
}

// A connection not made (the request never left), or lost after the request was sent.
const UNREACHABLE = new RegExp([...NOT_CONNECTED_CODES, "ECONNRESET", "ETIMEDOUT", "EPIPE", "socket hang up"].join("|"));
// Every timeout message of the SDK's HTTP handlers says how long it waited, in milliseconds.
const TIMEOUT_MS = /(\d+) ms/;

// The SDK names a connection reset or broken a TimeoutError too: those were lost, not timed out.
const LOST = ["ECONNRESET", "EPIPE"];

/** A request that timed out, connecting or waiting for its answer: say so, after how long, and how often. */
function timedOut(f: Failure): [DatabaseKmsKeyErrorCode, string] | undefined {
    if (f.name !== "TimeoutError" || LOST.includes(String(f.error.code))) return undefined;
    const ms = TIMEOUT_MS.exec(String(f.error.message))?.[1];
    const after = ms === undefined ? "" : ` after ${Number(ms) / 1000} s`;
    const retried = retriesOf(f.error);
    const attempts = `${f.error.$metadata?.attempts ?? 1} attempt(s)${retried === undefined ? "" : ` over ${wholeSeconds(retried.elapsedMs)}`}`;
    const what = attemptMayHaveApplied(f.error)
        ? `the AWS endpoint did not answer in time: the request timed out${after}`
        : `the AWS endpoint could not be reached: the connection timed out${after}`;
    return ["Unreachable", `${what}, ${attempts} (${f.said}). ${unreachableAdvice(f)}`];
}

function unreachable(f: Failure): [DatabaseKmsKeyErrorCode, string] | undefined {
    const e = f.error;
    if (!UNREACHABLE.test(`${e.code} ${f.name} ${e.message}`)) return undefined;
    return ["Unreachable", `the AWS endpoint could not be reached (${f.said}). ${unreachableAdvice(f)}`];
}

function unreachableAdvice(f: Failure): string {
    return f.discovery
        ? "Check the network, DNS and any HTTPS proxy; to reach Timestream through a VPC endpoint, give the resource an endpoint, which turns discovery off"
        : "Check the endpoint, AWS_ENDPOINT_URL* and the network";
}

/** Any other DescribeEndpoints failure: AWS's words, without the SDK's advice to give up discovery. */
function discoveryFailed(f: Failure): string {
    return `${f.said}. Retry; if it persists, check the region and that the caller may call timestream:DescribeEndpoints`;
}

/** The database named in `context` does not exist in its region. */
export function databaseNotFound(context: OperationContext, cause?: unknown): DatabaseKmsKeyError {
    return new DatabaseKmsKeyError(
        "DatabaseNotFound",
        context,
        "the database does not exist. Create it first (this resource adopts an existing database) or fix databaseName and region",
        { cause },
    );
}

/**
 * A region and the setting it came from (`region`, `aws:region`, `AWS_REGION`, a profile), for messages.
 *
 * @example
 * const found: RegionFrom = { region: "us-east-1", source: "aws:region" };
 */
export interface RegionFrom {
    region: string;
    source: string;
}

/**
 * Everything one provider process knows about AWS: its clients, and what KMS
 * said about keys (for one operation, or for refresh for the session). Kept on
 * an object, not in module variables, so each provider instance owns its own.
 */
export class AwsSession {
    private readonly timestreamClients = new Map<string, TimestreamWriteClient>();
    private readonly kmsClients = new Map<string, KMSClient>();
    /** DescribeKey answers per operation (its context object); gone with the operation. */
    private readonly answers = new WeakMap<OperationContext, Map<string, Promise<KeyMetadata>>>();
    /** DescribeKey calls not answered yet, which identical lookups of any operation join. */
    private readonly keysInFlight = new Map<string, Promise<KeyMetadata>>();
    /** DescribeKey answers for refresh, kept for the session. */
    private readonly refreshAnswers = new Map<string, Promise<KeyMetadata>>();
    private readonly defaultRegions = new Map<string, Promise<RegionFrom | undefined>>();
    private readonly accounts = new Map<string, Promise<string>>();
    private readonly credentials = new Map<string, ReturnType<typeof clientCredentials>>();

    private readonly handler: Timeouts & { throwOnRequestTimeout: boolean };

    constructor(timeouts: Timeouts = DEFAULT_TIMEOUTS) {
        // Newer SDKs only log a warning when requestTimeout passes unless told to throw; a silent endpoint would hang.
        this.handler = { ...timeouts, throwOnRequestTimeout: true };
    }

    /** One Timestream client per target, so endpoint discovery runs once per region. */
    timestream(target: AwsTarget): TimestreamWriteClient {
        // The SDK turns endpoint discovery off only for an endpoint passed here, not for one read from the environment.
        const endpoint = endpointOf("timestreamwrite", target.endpoints ?? {}, target.endpoint);
        return cached(this.timestreamClients, JSON.stringify([target.region, endpoint, identityKeyOf(target)]), () =>
            this.paced(target, TIMESTREAM_CALLS, (config) => new TimestreamWriteClient({ ...config, endpoint })),
        );
    }

    /** One KMS client per region and identity, at the endpoint `aws:endpoints` or AWS_ENDPOINT_URL_KMS gives, if any. */
    kms(target: AwsTarget): KMSClient {
        return cached(this.kmsClients, JSON.stringify([target.region, identityKeyOf(target)]), () =>
            this.paced(target, KMS_CALLS, (config) => new KMSClient({ ...config, endpoint: endpointOf("kms", target.endpoints ?? {}) })),
        );
    }

    /**
     * A client of `target` made by `make` from the shared configuration: region, credentials, timeouts, and the
     * fleet retry strategy with its pacing middleware (limiters by `classOf`), one of each per client.
     */
    private paced<C extends { middlewareStack: { use(pluggable: Pluggable<any, any>): void } }>(
        target: AwsTarget,
        classOf: CallClass,
        make: (config: { region: string; requestHandler: Timeouts; retryStrategy: RetryStrategyV2 } & ReturnType<typeof clientCredentials>) => C,
    ): C {
        const retry = retryOf(target.retry ?? {}, profileOf(target), classOf);
        const client = make({ region: target.region, ...this.credentialsOf(target), requestHandler: this.handler, retryStrategy: retry.strategy });
        client.middlewareStack.use(retry.pacing);
        return client;
    }

    /**
     * The AWS account the target's credentials belong to: one STS GetCallerIdentity per identity in this session,
     * asked only where an account must be known (account guards, a database reported missing).
     */
    async callerAccount(target: AwsTarget, context: OperationContext): Promise<string> {
        const asked = cached(this.accounts, identityKeyOf(target), () => {
            const sts = this.paced(target, STS_CALLS, (config) => new STSClient({ ...config, endpoint: endpointOf("sts", target.endpoints ?? {}) }));
            const account = asPartOf(context, () => sts.send(new GetCallerIdentityCommand({}))).then((out) => out.Account ?? Promise.reject(new Error("STS GetCallerIdentity answered without Account")));
            account.catch(() => this.accounts.delete(identityKeyOf(target)));
            return account;
        });
        try {
            return await asked;
        } catch (error) {
            throw toDatabaseKmsKeyError(error, context);
        }
    }

    /** The credentials of the target's identity: one provider per identity, shared by its clients. */
    private credentialsOf(target: AwsTarget): ReturnType<typeof clientCredentials> {
        if (target.identity === undefined) return {};
        return cached(this.credentials, identityKeyOf(target), () =>
            clientCredentials(target.identity!, target.region, {
                retryStrategy: retryOf(target.retry ?? {}, profileOf(target), STS_CALLS).strategy,
                endpoint: endpointOf("sts", target.endpoints ?? {}),
            }),
        );
    }

    /**
     * The region the SDK's own chain gives (AWS_REGION, the profile's region in `configFile` or the default file,
     * EC2 instance metadata) and which of them gave it, or undefined. The SDK's own selectors pick the value.
     */
    defaultRegion(profile: string | undefined, configFile?: string): Promise<RegionFrom | undefined> {
        // An empty value counts as unset, so the chain goes on to the next source.
        const from = (source: string) => (region: string | undefined) => (region ? { region, source } : undefined);
        const chain = {
            environmentVariableSelector: (env: NodeJS.ProcessEnv) => from("AWS_REGION")(NODE_REGION_CONFIG_OPTIONS.environmentVariableSelector(env)),
            configFileSelector: (p: Record<string, string | undefined>) =>
                from(`profile ${JSON.stringify(getProfileName({ profile }))}'s region`)(NODE_REGION_CONFIG_OPTIONS.configFileSelector(p)),
            // Typed as a value or a function; for the region it is the function that asks instance metadata.
            default: async () => from("EC2 instance metadata")(await (NODE_REGION_CONFIG_OPTIONS.default as () => Promise<string>)()),
        };
        return cached(this.defaultRegions, JSON.stringify([profile, configFile]), () =>
            loadConfig(chain, { ...NODE_REGION_CONFIG_FILE_OPTIONS, profile, configFilepath: configFile })().catch(() => undefined),
        );
    }

    /** DescribeDatabase; undefined when the database does not exist. */
    async describeDatabase(target: AwsTarget, context: OperationContext): Promise<Database | undefined> {
        try {
            const out = await asPartOf(context, () => this.timestream(target).send(new DescribeDatabaseCommand({ DatabaseName: context.databaseName })));
            return out.Database;
        } catch (error) {
            if ((error as AwsErrorShape).name === "ResourceNotFoundException") return undefined;
            throw toDatabaseKmsKeyError(error, context);
        }
    }

    /** UpdateDatabase; returns the database as Timestream reports it afterwards. */
    async updateDatabase(target: AwsTarget, context: OperationContext, kmsKeyId: string): Promise<Database> {
        try {
            const out = await asPartOf(context, () => this.timestream(target).send(new UpdateDatabaseCommand({ DatabaseName: context.databaseName, KmsKeyId: kmsKeyId })));
            return out.Database ?? {};
        } catch (error) {
            throw toDatabaseKmsKeyError(error, context);
        }
    }

    /**
     * The database's tags (ListTagsForResource on its ARN); undefined when the database does not exist.
     */
    async listTags(target: AwsTarget, context: OperationContext, databaseArn: string): Promise<Tag[] | undefined> {
        try {
            return (await asPartOf(context, () => this.timestream(target).send(new ListTagsForResourceCommand({ ResourceARN: databaseArn })))).Tags ?? [];
        } catch (error) {
            if ((error as AwsErrorShape).name === "ResourceNotFoundException") return undefined;
            throw toDatabaseKmsKeyError(error, context, "timestream:ListTagsForResource");
        }
    }

    /** TagResource: writes `tags` on the database, replacing tags of the same keys. */
    async tagDatabase(target: AwsTarget, context: OperationContext, databaseArn: string, tags: Tag[]): Promise<void> {
        try {
            const Tags = tags.map(({ Key, Value }) => ({ Key, Value }));
            await asPartOf(context, () => this.timestream(target).send(new TagResourceCommand({ ResourceARN: databaseArn, Tags })));
        } catch (error) {
            throw toDatabaseKmsKeyError(error, context, "timestream:TagResource");
        }
    }

    /** UntagResource of every claim tag; a database already gone has none left. */
    async untagDatabase(target: AwsTarget, context: OperationContext, databaseArn: string): Promise<void> {
        try {
            await asPartOf(context, () => this.timestream(target).send(new UntagResourceCommand({ ResourceARN: databaseArn, TagKeys: [...CLAIM_TAG_KEYS] })));
        } catch (error) {
            if ((error as AwsErrorShape).name === "ResourceNotFoundException") return;
            throw toDatabaseKmsKeyError(error, context, "timestream:UntagResource");
        }
    }

    /**
     * KMS DescribeKey for a decision that may lead to a write (check, diff,
     * create, update, restore). Answers are kept only for the operation that
     * asked, identified by its `context` object: within it every form of one key
     * shares the answer, and an alias name shares it with its alias ARN. Another
     * operation asks KMS again, so an alias re-pointed or a key disabled while
     * Pulumi runs is seen; only lookups in flight at the same moment share one
     * call. A failure is not kept, and its error names the caller's own operation.
     */
    async describeKey(target: AwsTarget, context: OperationContext, ref: KeyRef): Promise<KeyMetadata> {
        let answers = this.answers.get(context);
        if (answers === undefined) {
            answers = new Map();
            this.answers.set(context, answers);
        }
        return this.lookUpKey(answers, target, context, ref);
    }

    /**
     * KMS DescribeKey for refresh, whose answers only fill `keyManager` and
     * `keyState`: kept for the whole session, shared by every read.
     */
    async describeKeyForRefresh(target: AwsTarget, context: OperationContext, ref: KeyRef): Promise<KeyMetadata> {
        return this.lookUpKey(this.refreshAnswers, target, context, ref);
    }

    /** DescribeKey through `answers`, joining an identical call already in flight. */
    private async lookUpKey(answers: Map<string, Promise<KeyMetadata>>, target: AwsTarget, context: OperationContext, ref: KeyRef): Promise<KeyMetadata> {
        const clientKey = JSON.stringify([target.region, identityKeyOf(target)]);
        // Key IDs are unique across accounts; alias names are per account.
        const id = (resource: string, account?: string) => JSON.stringify([clientKey, resource.startsWith("key/") ? undefined : account, resource]);
        const asked = id(ref.resource, ref.account);
        const described = cached(answers, asked, () => {
            const call = cached(this.keysInFlight, asked, () =>
                asPartOf(context, () => this.kms(target).send(new DescribeKeyCommand({ KeyId: ref.value }))).then((out) => out.KeyMetadata ?? Promise.reject(new Error(`KMS DescribeKey answered without KeyMetadata for ${ref.value}`))),
            );
            // In flight only until it settles: a later operation asks KMS again.
            const settled = () => this.keysInFlight.get(asked) === call && this.keysInFlight.delete(asked);
            call.then(
                (meta) => {
                    settled();
                    answers.set(id(`key/${meta.KeyId}`), call);
                    // An alias name is in the caller's account, which is the key's.
                    if (ref.form === "aliasName") answers.set(id(ref.resource, parseKeyRef(meta.Arn ?? "")?.account), call);
                },
                () => {
                    settled();
                    answers.delete(asked);
                },
            );
            return call;
        });
        try {
            return await described;
        } catch (error) {
            throw toDatabaseKmsKeyError(error, context);
        }
    }
}

/** The shared-config profile a target's clients read settings from: the identity's, else the SDK's (AWS_PROFILE). */
function profileOf(target: AwsTarget): SharedProfile {
    return { profile: target.identity?.profile, configFile: target.identity?.files?.config };
}

function identityKeyOf(target: AwsTarget): string {
    return target.identity === undefined ? "" : identityKey(target.identity);
}

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
    let value = map.get(key);
    if (value === undefined) {
        value = make();
        map.set(key, value);
    }
    return value;
}
