/**
 * How AWS calls are retried and paced, built from the SDK's own pieces: throttling is a pace, not a failure. A
 * throttled call gets a long budget of attempts (`aws:maxRetries`, 25 by default, as `@pulumi/aws` counts them) and,
 * in adaptive mode, each client paces its calls, writes apart from reads: with the SDK's adaptive rate limiter, and,
 * once AWS has throttled, spaced at the documented quota, so a fleet lands at the rate AWS accepts. The time an
 * operation spends throttled is bounded too, over all its calls: 11 s for each attempt of that budget (4 min 35 s by
 * default). Every other error keeps the SDK's standard strategy (3 attempts, its backoff and retry quota), so a
 * persistent 5xx or an unreachable endpoint still fails within a minute.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { loadConfig } from "@smithy/core/config";
import {
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_RETRY_DELAY_BASE,
    DefaultRateLimiter,
    defaultDelayDecider,
    isThrottlingError,
    StandardRetryStrategy,
    THROTTLING_RETRY_DELAY_BASE,
} from "@smithy/core/retry";
import type {
    FinalizeHandler,
    FinalizeHandlerArguments,
    HandlerExecutionContext,
    Pluggable,
    RetryErrorInfo,
    RetryStrategyV2,
    RetryToken,
    StandardRetryToken,
} from "@smithy/types";

/** `"adaptive"`: pace each client to the rate AWS accepts; `"standard"`: back off only. */
export type RetryMode = "standard" | "adaptive";

/** Calls a second the account may make, by kind of call (`"write"`, `"read"`), where it differs from what AWS documents. */
export type Quotas = Readonly<Partial<Record<string, number>>>;

/** The retry settings of stack config, read once in `configure`; any may be unset. */
export interface RetrySettings {
    /** `aws:maxRetries`: the most attempts of a throttled call (it counts attempts, as `@pulumi/aws` does). */
    readonly maxAttempts?: number;
    /** `aws:retryMode`. */
    readonly mode?: RetryMode;
    /** `pulumi-timestream-kms:writesPerSecond` and `:readsPerSecond`: Timestream quotas raised for the account. */
    readonly quotas?: Quotas;
    /** Why the settings above cannot be used; every operation fails with it. */
    readonly problem?: string;
}

/** The attempts a throttled call gets unless `aws:maxRetries` or the SDK's settings say otherwise (`@pulumi/aws`'s default). */
export const DEFAULT_THROTTLE_ATTEMPTS = 25;
/**
 * How long an operation may wait under throttling, over all its calls, for each attempt a throttled call gets: 25
 * attempts give 4 min 35 s, so an operation throttled on every attempt gives up before five minutes in all.
 */
export const THROTTLED_WAIT_PER_ATTEMPT_MS = 11_000;
const MODES: readonly string[] = ["standard", "adaptive"];

/**
 * Reads `aws:maxRetries`, `aws:retryMode` and this package's quota settings from stack config; `get` is the host's
 * `config.get`. A value that cannot be used is reported in `problem`, not thrown (see `stackCredentialsOf`).
 *
 * @example
 * const retry = retrySettingsOf((key) => req.config.get(key)); // { maxAttempts: 50, mode: "adaptive" }
 */
export function retrySettingsOf(get: (key: string) => string | undefined): RetrySettings {
    const attempts = get("aws:maxRetries") || undefined;
    const mode = get("aws:retryMode") || undefined;
    const problems = [attemptsProblem("aws:maxRetries", attempts), modeProblem("aws:retryMode", mode)];
    const quotas: Record<string, number> = {};
    for (const [kind, key] of QUOTA_KEYS) {
        const value = get(key) || undefined;
        if (value === undefined) continue;
        if (/^\d+(\.\d+)?$/.test(value) && Number(value) > 0) quotas[kind] = Number(value);
        else problems.push(`${key} must be a number of calls a second above 0, such as 5, not "${value.slice(0, 80)}"`);
    }
    const found = problems.filter((p) => p !== undefined);
    return {
        maxAttempts: attempts === undefined ? undefined : attemptsOf(attempts),
        mode: mode as RetryMode | undefined,
        quotas: Object.keys(quotas).length > 0 ? quotas : undefined,
        problem: found.length > 0 ? `stack config: ${found.join("; ")}` : undefined,
    };
}

// Stack config of this package for Timestream quotas raised in Service Quotas, by kind of call.
const QUOTA_KEYS = [
    ["write", "pulumi-timestream-kms:writesPerSecond"],
    ["read", "pulumi-timestream-kms:readsPerSecond"],
] as const;

/** Why `value` of `key` is not a number of attempts, or undefined; `0` counts as one attempt (no retry). */
function attemptsProblem(key: string, value: string | undefined): string | undefined {
    return value === undefined || /^\d{1,4}$/.test(value.trim()) ? undefined : `${key} must be a whole number of attempts such as 25, not "${value.slice(0, 80)}"`;
}

function attemptsOf(value: string): number {
    return Math.max(1, Number(value));
}

function modeProblem(key: string, value: string | undefined): string | undefined {
    return value === undefined || MODES.includes(value) ? undefined : `${key} must be "standard" or "adaptive", not "${value.slice(0, 80)}"`;
}

/**
 * A retry setting of the environment or shared config that cannot be used. Thrown before any request is sent; the
 * error mapping turns it into `InvalidConfig`.
 */
export class RetryConfigError extends Error {
    readonly name = "RetryConfigError";
}

/** The shared-config profile a client reads the SDK's settings from, and the config file when not the SDK's own. */
export interface SharedProfile {
    readonly profile?: string;
    readonly configFile?: string;
}

/** How a client's calls are retried, resolved once: the stack's settings over the SDK's own (environment, then profile). */
interface Budget {
    /** Attempts of a throttled call. */
    readonly throttled: number;
    /** Attempts of a call failing otherwise (5xx, timeouts, connection errors), by the SDK's standard strategy. */
    readonly other: number;
    /** Pace the client with rate limiters. */
    readonly paced: boolean;
}

/**
 * The budget of a client whose profile is `profile`: `aws:maxRetries`, else `AWS_MAX_ATTEMPTS` / the profile's
 * `max_attempts`, else 25 attempts for throttling; the SDK's own `AWS_MAX_ATTEMPTS` / `max_attempts`, else 3, for
 * anything else, never more than for throttling. The mode: `aws:retryMode`, else `AWS_RETRY_MODE` / `retry_mode`, else
 * adaptive.
 */
async function budgetOf(settings: RetrySettings, profile: SharedProfile): Promise<Budget> {
    const [attempts, mode] = await Promise.all([sdkSetting("AWS_MAX_ATTEMPTS", "max_attempts", profile), sdkSetting("AWS_RETRY_MODE", "retry_mode", profile)]);
    const problem = (attempts && attemptsProblem(attempts.key, attempts.value)) ?? (mode && modeProblem(mode.key, mode.value));
    if (problem !== undefined) throw new RetryConfigError(problem);
    const sdkAttempts = attempts === undefined ? undefined : attemptsOf(attempts.value);
    const throttled = settings.maxAttempts ?? sdkAttempts ?? DEFAULT_THROTTLE_ATTEMPTS;
    return { throttled, other: Math.min(sdkAttempts ?? DEFAULT_MAX_ATTEMPTS, throttled), paced: (settings.mode ?? mode?.value ?? "adaptive") === "adaptive" };
}

/** A setting as the SDK reads it: the environment variable, else the profile's key; with where it came from, for messages. */
async function sdkSetting(variable: string, configKey: string, where: SharedProfile): Promise<{ key: string; value: string } | undefined> {
    const fromEnv = process.env[variable] || undefined;
    if (fromEnv !== undefined) return { key: variable, value: fromEnv };
    const fromProfile = await loadConfig<string | undefined>(
        { environmentVariableSelector: () => undefined, configFileSelector: (section) => section[configKey], default: () => undefined },
        { profile: where.profile, configFilepath: where.configFile },
    )();
    return fromProfile === undefined ? undefined : { key: `${configKey} of the AWS config profile`, value: fromProfile };
}

/**
 * Which pace a call keeps, by its command name: its `kind` (calls of one kind share a pace; none: not paced), the rate
 * AWS documents for it (calls a second), at which such calls are spaced once AWS has throttled one, and the quota a
 * message names when AWS keeps throttling it.
 */
export type CallClass = (commandName: string) => { readonly kind?: string; readonly documentedRate?: number; readonly quota: string };

// Timestream's quotas per account and region: create, update and delete calls 1 a second, list and describe 5.
const TIMESTREAM_WRITE = {
    kind: "write",
    documentedRate: 1,
    quota: "Timestream writes (UpdateDatabase, TagResource, UntagResource), 1 a second per account and region unless raised (then set pulumi-timestream-kms:writesPerSecond)",
};
const TIMESTREAM_READ = {
    kind: "read",
    documentedRate: 5,
    quota: "Timestream reads (DescribeDatabase, ListTagsForResource), 5 a second per account and region unless raised (then set pulumi-timestream-kms:readsPerSecond)",
};
// Endpoint discovery has its own quota, and is not paced.
const TIMESTREAM_DISCOVERY = { quota: "Timestream endpoint discovery (DescribeEndpoints), per account and region" };

/** Timestream's calls by its quotas. */
export const TIMESTREAM_CALLS: CallClass = (command) =>
    command === "DescribeEndpointsCommand" ? TIMESTREAM_DISCOVERY : /^(Update|Tag|Untag|Create|Delete)/.test(command) ? TIMESTREAM_WRITE : TIMESTREAM_READ;

// KMS and STS document no per-call quota we rely on: one limiter for every call of the client.
const KMS = { kind: "all", quota: "KMS requests (DescribeKey), per account and region, shared with every other caller of KMS in the account" };
const STS = { kind: "all", quota: "STS requests (AssumeRole, GetCallerIdentity), per account and region" };

/** KMS's calls: one pace. */
export const KMS_CALLS: CallClass = () => KMS;

/** STS's calls: one pace, whatever the call. */
export const STS_CALLS = (): ReturnType<CallClass> => STS;

/**
 * What an SDK client of one target gets: its retry strategy and the middleware that paces its attempts. One per
 * client, so each client keeps its own pace.
 *
 * @example
 * const retry = retryOf(settings, { profile: "ops" }, TIMESTREAM_CALLS);
 * const client = new TimestreamWriteClient({ region, retryStrategy: retry.strategy });
 * client.middlewareStack.use(retry.pacing);
 */
export function retryOf(settings: RetrySettings, profile: SharedProfile, classOf: CallClass): { strategy: RetryStrategyV2; pacing: Pluggable<object, object> } {
    let budget: Promise<Budget> | undefined;
    const resolve = () => (budget ??= budgetOf(settings, profile));
    return { strategy: new FleetRetryStrategy(resolve, classOf), pacing: pacingOf(resolve, classOf, settings.quotas ?? {}) };
}

/** How long the calls of one operation have waited under throttling, in all. */
interface ThrottledTime {
    waitedMs: number;
}

// The throttled time of the operation whose calls run in this async context.
const operations = new AsyncLocalStorage<ThrottledTime>();
const throttledTimes = new WeakMap<object, ThrottledTime>();

/**
 * Runs `work`, AWS calls of the operation `operation` identifies, so that the time they wait under throttling adds
 * up with the operation's other calls: once the operation has waited its bound, a throttled call gives up. A call
 * made outside any operation is bounded alone.
 *
 * @example
 * const database = await asPartOf(context, () => client.send(new DescribeDatabaseCommand({ DatabaseName })));
 */
export function asPartOf<T>(operation: object, work: () => Promise<T>): Promise<T> {
    let time = throttledTimes.get(operation);
    if (time === undefined) throttledTimes.set(operation, (time = { waitedMs: 0 }));
    return operations.run(time, work);
}

// For the error a call finally failed with: whether any of its attempts may have reached AWS and been applied.
const reachedAws = new WeakMap<object, boolean>();
// For the error of an attempt: the command the attempt sent, as the SDK names it (e.g. "UpdateDatabaseCommand").
const commands = new WeakMap<object, string>();

/**
 * Whether the call that failed with `error` may have been applied by AWS: true when any of its attempts may have
 * reached AWS and been applied (a 5xx answer, or a connection lost or timed out after sending); false when none
 * could have (each was refused before being sent: connection refused, no such host, no credentials to sign with; or
 * answered with a 4xx, throttling included). Undefined for an error this module did not see.
 *
 * @example
 * if (mayHaveReachedAws(error) === false) { ... nothing was applied ... }
 */
export function mayHaveReachedAws(error: unknown): boolean | undefined {
    return reachedAws.get(error as object);
}

/** Error codes of a connection that could not be made: a request failing with one of them never left this machine. */
export const NOT_CONNECTED_CODES: readonly string[] = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"];
// Failures of an attempt that prove it never left this machine: the connection could not be made, or no request was signed.
const UNSENT_NAMES = ["CredentialsProviderError", "TokenProviderError"];
// The SDK's HTTP handler says so when connectionTimeout passed before a socket connected; the system, when its own
// connect timeout passed first.
const NOT_CONNECTED = /establish(ing)? a connection|^connect ETIMEDOUT/;

/**
 * Whether one failed attempt may have been applied: it was sent, and AWS did not answer it with a 4xx.
 *
 * @example
 * attemptMayHaveApplied(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })); // false
 */
export function attemptMayHaveApplied(error: unknown): boolean {
    const e = (error ?? {}) as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (status !== undefined) return status >= 500;
    if (NOT_CONNECTED_CODES.includes(e.code ?? "") || UNSENT_NAMES.includes(e.name ?? "")) return false;
    return !(e.name === "TimeoutError" && NOT_CONNECTED.test(e.message ?? ""));
}

/** What the retries of a call that failed in the end came to. */
export interface GaveUp {
    /** How long the call's attempts took, from the first. */
    readonly elapsedMs: number;
    /** For a throttled call: the quota that throttled it, as messages name it. */
    readonly quota?: string;
    /** For a throttled call that gave up on its operation's bound: how long the operation waited, and the bound. */
    readonly outOfTime?: { readonly waitedMs: number; readonly boundMs: number; readonly attempts: number };
}

// Keyed by the error the SDK throws once the strategy gives up, which is the error the caller receives.
const gaveUp = new WeakMap<object, GaveUp>();

/**
 * How the retries of the call that failed with `error` went, when a strategy of this module gave up on it.
 *
 * @example
 * const retried = retriesOf(error); // { elapsedMs: 61000, quota: "Timestream writes (…)" }
 */
export function retriesOf(error: unknown): GaveUp | undefined {
    // A WeakMap answers undefined for a key that is not an object.
    return gaveUp.get(error as object);
}

/** The token of one call: the SDK's standard token for non-throttling retries, and the throttled attempts beside it. */
class FleetToken implements RetryToken {
    constructor(
        readonly standard: StandardRetryToken,
        readonly throttles: number,
        private readonly retries: number,
        private readonly delay: number,
        readonly startedMs: number,
        /** When the last attempt was sent or retried: the time since, when it is throttled, is time waited throttled. */
        readonly sinceMs: number,
        readonly operation: ThrottledTime,
    ) {}
    getRetryCount(): number {
        return this.retries;
    }
    getRetryDelay(): number {
        return this.delay;
    }
}

/**
 * The SDK's retry-strategy interface: the SDK classifies each error; a THROTTLING one is retried up to the throttle
 * budget, outside the SDK's retry quota (which runs dry under sustained throttling, as the Terraform AWS provider's
 * does not), with the SDK's backoff (short while a limiter paces the client), while the call's operation has waited
 * throttled less than its bound; anything else goes to the SDK's standard strategy, unchanged.
 */
class FleetRetryStrategy implements RetryStrategyV2 {
    private readonly standard: StandardRetryStrategy;

    constructor(
        private readonly budget: () => Promise<Budget>,
        private readonly classOf: CallClass,
    ) {
        this.standard = new StandardRetryStrategy(async () => (await budget()).other);
    }

    async acquireInitialRetryToken(scope: string): Promise<RetryToken> {
        // Before the first attempt: settings that cannot be used fail the call before anything is sent.
        await this.budget();
        const now = Date.now();
        const standard = (await this.standard.acquireInitialRetryToken(scope ?? "")) as StandardRetryToken;
        return new FleetToken(standard, 0, 0, 0, now, now, operations.getStore() ?? { waitedMs: 0 });
    }

    async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
        const t = token as FleetToken;
        const now = Date.now();
        const throttling = errorInfo.errorType === "THROTTLING";
        let gaveUpAs: Omit<GaveUp, "elapsedMs"> = {};
        try {
            if (!throttling) {
                const standard = (await this.standard.refreshRetryTokenForRetry(t.standard, errorInfo)) as StandardRetryToken;
                return new FleetToken(standard, t.throttles, t.getRetryCount() + 1, standard.getRetryDelay(), t.startedMs, now, t.operation);
            }
            gaveUpAs = { quota: this.classOf(commands.get(errorInfo.error as object) ?? "").quota };
            t.operation.waitedMs += now - t.sinceMs;
            const { throttled, paced } = await this.budget();
            if (t.getRetryCount() + 1 >= throttled) throw new Error("No retry token available");
            const delay = defaultDelayDecider(paced ? DEFAULT_RETRY_DELAY_BASE : THROTTLING_RETRY_DELAY_BASE, t.throttles);
            const boundMs = throttled * THROTTLED_WAIT_PER_ATTEMPT_MS;
            if (t.operation.waitedMs + delay > boundMs) {
                gaveUpAs = { ...gaveUpAs, outOfTime: { waitedMs: t.operation.waitedMs, boundMs, attempts: throttled } };
                throw new Error("No retry token available: the operation has waited its bound under throttling");
            }
            return new FleetToken(t.standard, t.throttles + 1, t.getRetryCount() + 1, delay, t.startedMs, now, t.operation);
        } catch (refused) {
            if (errorInfo.error instanceof Object) gaveUp.set(errorInfo.error, { elapsedMs: now - t.startedMs, ...gaveUpAs });
            throw refused;
        }
    }

    recordSuccess(token: RetryToken): void {
        this.standard.recordSuccess((token as FleetToken).standard);
    }
}

/**
 * A middleware that runs before every attempt is signed and sent, and paces it by its kind of call, writes apart from
 * reads, as AWS meters them apart. A kind with a documented quota (or one raised for the account) is spaced at that
 * rate once AWS has throttled one of its calls; any other kind waits for the SDK's adaptive (CUBIC) rate limiter,
 * which also only slows down once AWS has throttled. The SDK's limiter is not used for quotas AWS documents: right
 * after a throttle it drops to half a call a second, and a client allowed bursts at a quota that refills once a second
 * keeps getting throttled.
 */
function pacingOf(budget: () => Promise<Budget>, classOf: CallClass, quotas: Quotas): Pluggable<object, object> {
    const paces = new Map<string, Pace>();
    return {
        applyToStack(stack) {
            stack.addRelativeTo(
                (next: FinalizeHandler<object, object>, context: HandlerExecutionContext) => async (args: FinalizeHandlerArguments<object>) => {
                    const call = (await budget()).paced ? classOf(String(context.commandName)) : undefined;
                    if (call?.kind === undefined) return next(args);
                    let pace = paces.get(call.kind);
                    if (pace === undefined) {
                        const rate = quotas[call.kind] ?? call.documentedRate;
                        paces.set(call.kind, (pace = rate === undefined ? limiterPace() : new Spacing(rate)));
                    }
                    await pace.wait();
                    try {
                        const answer = await next(args);
                        pace.answered(undefined);
                        return answer;
                    } catch (error) {
                        pace.answered(error);
                        throw error;
                    }
                },
                { relation: "before", toMiddleware: "httpSigningMiddleware", name: "pulumiTimestreamKmsPacing" },
            );
            // Once per attempt too (the context is the call's): remember whether any attempt so far may have landed, and
            // which command failed, for the quota a throttled one names.
            const landed = new WeakMap<object, boolean>();
            stack.addRelativeTo(
                (next: FinalizeHandler<object, object>, context: HandlerExecutionContext) => async (args: FinalizeHandlerArguments<object>) => {
                    try {
                        return await next(args);
                    } catch (error) {
                        const may = (landed.get(context) ?? false) || attemptMayHaveApplied(error);
                        landed.set(context, may);
                        if (error instanceof Object) {
                            reachedAws.set(error, may);
                            commands.set(error, String(context.commandName));
                        }
                        throw error;
                    }
                },
                { relation: "before", toMiddleware: "httpSigningMiddleware", name: "pulumiTimestreamKmsAttempts" },
            );
        },
    };
}

/** How the calls of one kind are paced: wait before an attempt, learn from its answer (an error, or undefined). */
interface Pace {
    wait(): Promise<void>;
    answered(error: unknown): void;
}

/** The SDK's adaptive rate limiter, told of every answer (the raw error: every version of it recognizes throttling). */
function limiterPace(): Pace {
    const limiter = new DefaultRateLimiter();
    return { wait: () => limiter.getSendToken(), answered: (error) => limiter.updateClientSendingRate(error ?? {}) };
}

// A call sent a moment early is throttled and loses its slot: keep this much margin below a documented rate.
const SPACING_MARGIN = 1.03;

/**
 * Spaces calls at a quota once AWS has throttled one of them: each call takes the next free slot, a little slower
 * than the rate, since a quota that refills once a second throttles a call that comes a moment early.
 */
class Spacing implements Pace {
    private engaged = false;
    private nextMs = 0;
    private readonly intervalMs: number;

    constructor(rate: number) {
        this.intervalMs = (1000 / rate) * SPACING_MARGIN;
    }

    /** Resolves at this call's slot; at once until AWS has throttled. */
    async wait(): Promise<void> {
        if (!this.engaged) return;
        const now = Date.now();
        const at = Math.max(now, this.nextMs);
        this.nextMs = at + this.intervalMs;
        if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
    }

    answered(error: unknown): void {
        if (error !== undefined && isThrottlingError(error as never)) this.engaged = true;
    }
}
