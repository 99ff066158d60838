/**
 * Who calls AWS: the stack config `@pulumi/aws` reads (`aws:profile`, `aws:accessKey`/`aws:secretKey`/`aws:token`,
 * `aws:assumeRoles` or the older `aws:assumeRole`, `aws:allowedAccountIds`/`aws:forbiddenAccountIds`,
 * `aws:sharedConfigFiles`/`aws:sharedCredentialsFiles`), the per-resource `profile` and `assumeRole` inputs, the
 * rules that check them (STS's documented limits for every field of a role), and the AWS SDK credential provider
 * they make. Per-resource inputs win over stack config. Nothing here is ever stored in state or printed.
 */
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { loadSharedConfigFiles } from "@smithy/core/config";
import type { RetryStrategyV2 } from "@smithy/types";
import { isTagText } from "./ownership";
import { quoted } from "./quote";

// The SDK's credential types, named through the package this module depends on.
type AwsCredentialIdentityProvider = ReturnType<typeof fromNodeProviderChain>;
type AwsCredentialIdentity = Awaited<ReturnType<AwsCredentialIdentityProvider>>;

/**
 * A role to assume, as the `assumeRole` input and as each entry of `aws:assumeRoles` (the same JSON shape as
 * `@pulumi/aws`; `duration` is a Go duration such as `"1h"`, `durationSeconds` the older number).
 *
 * @example
 * const role: AssumeRole = { roleArn: "arn:aws:iam::111111111111:role/timestream-keys", externalId: "team-a" };
 */
export interface AssumeRole {
    /** The role's ARN, e.g. `arn:aws:iam::111111111111:role/timestream-keys`. */
    roleArn: string;
    /**
     * The external ID the role's trust policy asks for. `DatabaseKmsKey` stores the whole `assumeRole` as a secret;
     * wrap it in `pulumi.secret` too to keep it secret in the program's own outputs.
     */
    externalId?: string;
    /** The role session name; default `pulumi-timestream-kms`. */
    sessionName?: string;
    /** Session length in seconds, 900–43200; default STS's (one hour). */
    durationSeconds?: number;
    /** The same as a Go duration (`"15m"`, `"1h"`), as `@pulumi/aws` config writes it. */
    duration?: string;
    /** An IAM policy (JSON) that further restricts the session. */
    policy?: string;
    /** Managed policy ARNs that further restrict the session. */
    policyArns?: string[];
    /** Session tags. */
    tags?: Record<string, string>;
    /** Session tag keys passed on to roles assumed later in a chain. */
    transitiveTagKeys?: string[];
    /** The source identity of the session. */
    sourceIdentity?: string;
}

/** What stack config says about credentials and accounts, read once in `configure`. */
export interface StackCredentials {
    readonly profile?: string;
    readonly accessKey?: string;
    readonly secretKey?: string;
    readonly token?: string;
    /** `aws:assumeRoles`, or the older single `aws:assumeRole`, assumed in order. */
    readonly assumeRoles: readonly AssumeRole[];
    readonly allowedAccountIds?: readonly string[];
    readonly forbiddenAccountIds?: readonly string[];
    /** `aws:sharedConfigFiles` and `aws:sharedCredentialsFiles`, when set. */
    readonly files?: SharedFiles;
    /** Why the config above cannot be used; every operation fails with it. */
    readonly problem?: string;
}

/** The shared config and credentials files to read instead of AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE (or ~/.aws). */
export interface SharedFiles {
    readonly config?: string;
    readonly credentials?: string;
}

/**
 * The credentials one resource's calls use: a profile or static keys, then roles assumed in order. Clients, caches
 * and the caller's account are kept per identity, so two accounts never share them.
 */
export interface Identity {
    /** The shared-config profile: the `profile` input, else `aws:profile`. */
    readonly profile?: string;
    /** `aws:accessKey`/`aws:secretKey`/`aws:token`, unless the resource names a profile. */
    readonly keys?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    /** The `assumeRole` input, else the stack's chain. */
    readonly roles: readonly AssumeRole[];
    /** The shared files the profile is read from, when stack config names them. */
    readonly files?: SharedFiles;
}

// STS AssumeRole's documented limits (its API reference), field by field.
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]{1,1000}$/;
// Session policies: at most 2,048 characters of tab, newline, carriage return and U+0020 to U+00FF.
const POLICY = /^[\t\n\r\u0020-\u00FF]{1,2048}$/;
// Session tags: keys of 1-128 characters, values of at most 256, of the characters AWS allows in tags.
const MAX_TAG_KEY_LENGTH = 128;
const MAX_TAG_VALUE_LENGTH = 256;
const MAX_TAGS = 50;
const MAX_POLICY_ARNS = 10;
// A Go duration as `@pulumi/aws` reads `duration`: "1h30m", "900s", "1.5h", "+15m".
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const GO_UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, μs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
const MIN_SESSION_SECONDS = 900;
const MAX_SESSION_SECONDS = 43_200;
const ACCOUNT_ID = /^\d{12}$/;
/** Every field a role to assume may have; any other is refused, naming the nearest of these. */
const ROLE_FIELDS = [
    "roleArn",
    "externalId",
    "sessionName",
    "durationSeconds",
    "duration",
    "policy",
    "policyArns",
    "tags",
    "transitiveTagKeys",
    "sourceIdentity",
] as const;
const DEFAULT_SESSION_NAME = "pulumi-timestream-kms";
// Refresh assumed-role credentials this long before they expire, so no call is signed with a dying session.
const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * Reads the credential settings of stack config; `get` is the host's `config.get`. Structured values arrive as JSON
 * strings. A value that cannot be used is reported in `problem`, not thrown: the host keeps a provider whose
 * `configure` failed and would run later operations without the setting.
 *
 * @example
 * const stack = stackCredentialsOf((key) => req.config.get(key));
 */
export function stackCredentialsOf(get: (key: string) => string | undefined): StackCredentials {
    const problems: string[] = [];
    const json = (key: string): unknown => {
        const text = get(key) || undefined;
        if (text === undefined) return undefined;
        try {
            return JSON.parse(text);
        } catch {
            problems.push(`${key} must be JSON, as \`pulumi config set --path\` or a YAML list/object in the stack file writes it`);
            return undefined;
        }
    };
    const accounts = (key: string): string[] | undefined => {
        const value = json(key);
        if (value === undefined) return undefined;
        if (Array.isArray(value) && value.every((id) => typeof id === "string" && ACCOUNT_ID.test(id))) return value;
        problems.push(`${key} must be a list of 12-digit AWS account IDs`);
        return undefined;
    };
    const roles = (): AssumeRole[] => {
        const list = json("aws:assumeRoles");
        const single = json("aws:assumeRole");
        const entries = list !== undefined ? (Array.isArray(list) ? list : [list]) : single !== undefined ? [single] : [];
        const where = list !== undefined ? "aws:assumeRoles" : "aws:assumeRole";
        entries.forEach((role, i) => {
            const problem = assumeRoleProblem(role);
            if (problem !== undefined) problems.push(`${where}${list !== undefined ? `[${i}]` : ""}: ${problem}`);
        });
        return entries as AssumeRole[];
    };
    const file = (key: string): string | undefined => {
        const value = json(key);
        if (value === undefined) return undefined;
        if (Array.isArray(value) && value.length === 1 && typeof value[0] === "string" && value[0] !== "") return value[0];
        // The SDK reads one file of each kind; @pulumi/aws merges several, which this provider does not.
        problems.push(`${key} must be a list of one file path, such as ["~/.aws/${key === "aws:sharedConfigFiles" ? "config" : "credentials"}"]`);
        return undefined;
    };
    const files = { config: file("aws:sharedConfigFiles"), credentials: file("aws:sharedCredentialsFiles") };
    const stack = {
        files: files.config === undefined && files.credentials === undefined ? undefined : files,
        profile: get("aws:profile") || undefined,
        accessKey: get("aws:accessKey") || undefined,
        secretKey: get("aws:secretKey") || undefined,
        token: get("aws:token") || undefined,
        assumeRoles: roles(),
        allowedAccountIds: accounts("aws:allowedAccountIds"),
        forbiddenAccountIds: accounts("aws:forbiddenAccountIds"),
    };
    if ((stack.accessKey === undefined) !== (stack.secretKey === undefined)) problems.push("aws:accessKey and aws:secretKey must be set together");
    if (stack.allowedAccountIds !== undefined && stack.forbiddenAccountIds !== undefined) {
        problems.push("set aws:allowedAccountIds or aws:forbiddenAccountIds, not both");
    }
    return { ...stack, problem: problems.length > 0 ? `stack config: ${problems.join("; ")}` : undefined };
}

/**
 * Why `value` is not a role to assume, or undefined when it is one: an object of the fields of {@link AssumeRole}
 * and no other, each within STS's documented limits, and not both `duration` and `durationSeconds`. `unknown`,
 * Pulumi's placeholder for a value not known during preview, passes wherever it stands, nested fields included. Only
 * the role ARN is quoted: an external ID or a policy is never echoed.
 *
 * @example
 * assumeRoleProblem({ roleArn: "arn:aws:iam::111111111111:role/x" }); // undefined
 */
export function assumeRoleProblem(value: unknown, unknown?: string): string | undefined {
    if (value === unknown) return undefined;
    if (!isPlainObject(value)) return "must be an object with a roleArn";
    const role = value as Record<string, unknown>;
    const extra = Object.keys(role).find((key) => !(ROLE_FIELDS as readonly string[]).includes(key));
    if (extra !== undefined) {
        const near = nearest(extra, ROLE_FIELDS);
        return `has no field ${quoted(extra)}${near === undefined ? "" : `; did you mean ${near}?`} (the fields are ${ROLE_FIELDS.join(", ")})`;
    }
    const given = (name: (typeof ROLE_FIELDS)[number]) => Object.prototype.hasOwnProperty.call(role, name) && role[name] !== undefined;
    if (!given("roleArn")) return "roleArn is required";
    if (given("duration") && given("durationSeconds")) return "duration and durationSeconds must not both be set: give one";
    const pending = (v: unknown) => unknown !== undefined && v === unknown;
    const text = (pattern: RegExp) => (v: unknown) => typeof v === "string" && v.isWellFormed() && pattern.test(v);
    const list = (most: number, item: (v: unknown) => boolean) => (v: unknown) => Array.isArray(v) && v.length <= most && v.every((e) => pending(e) || item(e));
    const rules: [(typeof ROLE_FIELDS)[number], (v: unknown) => boolean, string][] = [
        ["roleArn", text(ROLE_ARN), `${typeof role.roleArn === "string" ? `${quoted(role.roleArn)} ` : ""}must be an IAM role ARN such as arn:aws:iam::111111111111:role/NAME`],
        ["externalId", text(EXTERNAL_ID), "must be 2-1224 characters of letters, digits and +=,.@:/-"],
        ["sessionName", text(SESSION_NAME), "must be 2-64 characters of letters, digits and +=,.@-"],
        ["durationSeconds", (v) => Number.isInteger(v) && sessionLengthOk(v as number), "must be a whole number from 900 to 43200"],
        ["duration", (v) => typeof v === "string" && sessionLengthOk(goSeconds(v)), 'must be a duration from 15 minutes to 12 hours, such as "15m" or "1h"'],
        ["policy", (v) => text(POLICY)(v) && isPlainObject(parsedJson(v as string)), "must be an IAM policy as a JSON object of at most 2048 characters (U+0020 to U+00FF, tabs and newlines)"],
        ["policyArns", list(MAX_POLICY_ARNS, text(POLICY_ARN)), `must be a list of at most ${MAX_POLICY_ARNS} IAM policy ARNs such as arn:aws:iam::aws:policy/ReadOnlyAccess`],
        ["tags", tagsOk(unknown), `must map at most ${MAX_TAGS} tag keys (1-128 characters, not starting with aws:) to values of at most 256 characters of letters, digits, spaces and _.:/=+-@`],
        ["transitiveTagKeys", list(MAX_TAGS, (k) => typeof k === "string" && tagKeyOk(k)), `must be a list of at most ${MAX_TAGS} tag keys`],
        ["sourceIdentity", (v) => text(SOURCE_IDENTITY)(v) && !/^aws:/i.test(v as string), "must be 2-64 characters of letters, digits and +=,.@-, not starting with aws:"],
    ];
    for (const [name, ok, rule] of rules) {
        if (given(name) && !pending(role[name]) && !ok(role[name])) return `${name} ${rule}`;
    }
    return undefined;
}

function sessionLengthOk(seconds: number | undefined): boolean {
    return seconds !== undefined && seconds >= MIN_SESSION_SECONDS && seconds <= MAX_SESSION_SECONDS;
}

/** The seconds in a Go duration, or undefined when `text` is not one. */
function goSeconds(text: string): number | undefined {
    if (!GO_DURATION.test(text)) return undefined;
    const sign = text.startsWith("-") ? -1 : 1;
    let total = 0;
    for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(amount) * GO_UNIT_SECONDS[unit];
    return sign * total;
}

function tagKeyOk(key: string): boolean {
    return key !== "" && isTagText(key) && Array.from(key).length <= MAX_TAG_KEY_LENGTH && !/^aws:/i.test(key);
}

/** Session tags: a map of at most 50 keys to string values; a value unknown during preview passes. */
function tagsOk(unknown: string | undefined): (v: unknown) => boolean {
    return (v) => {
        if (!isPlainObject(v)) return false;
        const entries = Object.entries(v as Record<string, unknown>);
        return (
            entries.length <= MAX_TAGS &&
            entries.every(([key, value]) => tagKeyOk(key) && (value === unknown || (typeof value === "string" && isTagText(value) && Array.from(value).length <= MAX_TAG_VALUE_LENGTH)))
        );
    };
}

/** An object of fields: not an array, not null, and no prototype but Object's (a `__proto__` key may have set another). */
function isPlainObject(value: unknown): boolean {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    const prototype = Object.getPrototypeOf(value);
    return prototype === Object.prototype || prototype === null;
}

function parsedJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/** The candidate closest to `name` (case aside) within three edits, for "did you mean". */
function nearest(name: string, candidates: readonly string[]): string | undefined {
    const distance = (a: string, b: string): number => {
        let row = Array.from({ length: b.length + 1 }, (_, j) => j);
        for (let i = 1; i <= a.length; i++) {
            const next = [i];
            for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
            row = next;
        }
        return row[b.length];
    };
    const scored = candidates.map((c) => [distance(name.toLowerCase().slice(0, 64), c.toLowerCase()), c] as const).sort((x, y) => x[0] - y[0]);
    return scored[0][0] <= 3 ? scored[0][1] : undefined;
}

/**
 * Why the shared config has no profile `profile` (neither `[profile NAME]` in the config file nor `[NAME]` in the
 * credentials file), or undefined when it has: the files of `files`, else AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE, else ~/.aws. Read afresh each time.
 *
 * @example
 * await profileProblem("ops"); // 'profile "ops" is not in the shared AWS config …'
 */
export async function profileProblem(profile: string, files?: SharedFiles): Promise<string | undefined> {
    const { configFile, credentialsFile } = await loadSharedConfigFiles({ configFilepath: files?.config, filepath: files?.credentials, ignoreCache: true });
    const has = (sections: object) => Object.prototype.hasOwnProperty.call(sections, profile) && !/^(sso-session|services)\./.test(profile);
    if (has(configFile) || has(credentialsFile)) return undefined;
    const where = [files?.config ?? process.env.AWS_CONFIG_FILE ?? "~/.aws/config", files?.credentials ?? process.env.AWS_SHARED_CREDENTIALS_FILE ?? "~/.aws/credentials"];
    return `profile ${quoted(profile)} is not in the shared AWS config (${where.join(", ")}): add it (aws configure --profile NAME, or aws configure sso) or fix the name`;
}

/**
 * The identity of one resource's calls: its `profile` and `assumeRole` inputs win over stack config.
 *
 * @example
 * identityOf(stack, { assumeRole: { roleArn: "arn:aws:iam::111111111111:role/x" } }).roles.length; // 1
 */
export function identityOf(stack: StackCredentials, inputs: { profile?: string; assumeRole?: AssumeRole }): Identity {
    const keys =
        inputs.profile === undefined && stack.accessKey !== undefined && stack.secretKey !== undefined
            ? { accessKeyId: stack.accessKey, secretAccessKey: stack.secretKey, sessionToken: stack.token }
            : undefined;
    return {
        profile: inputs.profile ?? (keys === undefined ? stack.profile : undefined),
        keys,
        roles: inputs.assumeRole !== undefined ? [inputs.assumeRole] : stack.assumeRoles,
        files: stack.files,
    };
}

/**
 * A key for caching per identity, never to be shown: the profile, the access key ID (not the secret key or token)
 * and the role chain, whose `externalId` is a secret.
 */
export function identityKey(identity: Identity): string {
    return JSON.stringify([identity.profile, identity.keys?.accessKeyId, identity.roles, identity.files]);
}

/**
 * What an SDK client of `identity` is given: nothing for the SDK's default chain, else one credential provider
 * shared by every client of the identity (the SDK's own providers: a profile's SSO, `credential_process` and
 * `role_arn` included), so a role is assumed once and refreshed before it expires. Its STS calls use `sts`.
 */
export function clientCredentials(
    identity: Identity,
    region: string,
    sts: { retryStrategy?: RetryStrategyV2; endpoint?: string } = {},
): { profile?: string; credentials?: AwsCredentialIdentityProvider } {
    if (identity.profile === undefined && identity.keys === undefined && identity.roles.length === 0 && identity.files === undefined) return {};
    let credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider =
        identity.keys ?? fromNodeProviderChain({ profile: identity.profile, filepath: identity.files?.credentials, configFilepath: identity.files?.config });
    for (const role of identity.roles) {
        credentials = fromTemporaryCredentials({ params: assumeRoleParams(role), masterCredentials: credentials, clientConfig: { region, ...sts } });
    }
    return { profile: identity.profile, credentials: refreshing(credentials) };
}

/**
 * Why calls to `account` must not be made under this stack's `aws:allowedAccountIds`/`aws:forbiddenAccountIds`, or
 * undefined when they may.
 */
export function accountProblem(stack: StackCredentials, account: string): string | undefined {
    if (stack.allowedAccountIds !== undefined && !stack.allowedAccountIds.includes(account)) {
        return `the credentials in use are of AWS account ${account}, which aws:allowedAccountIds (${stack.allowedAccountIds.join(", ")}) does not list`;
    }
    if (stack.forbiddenAccountIds?.includes(account)) {
        return `the credentials in use are of AWS account ${account}, which aws:forbiddenAccountIds lists`;
    }
    return undefined;
}

/** True when the stack restricts accounts, so writes must learn the caller's account first. */
export function guardsAccounts(stack: StackCredentials): boolean {
    return stack.allowedAccountIds !== undefined || stack.forbiddenAccountIds !== undefined;
}

function assumeRoleParams(role: AssumeRole) {
    return {
        RoleArn: role.roleArn,
        RoleSessionName: role.sessionName ?? DEFAULT_SESSION_NAME,
        ExternalId: role.externalId,
        DurationSeconds: role.durationSeconds ?? (role.duration === undefined ? undefined : Math.floor(goSeconds(role.duration)!)),
        Policy: role.policy,
        PolicyArns: role.policyArns?.map((arn) => ({ arn })),
        Tags: role.tags === undefined ? undefined : Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })),
        TransitiveTagKeys: role.transitiveTagKeys,
        SourceIdentity: role.sourceIdentity,
    };
}

/** One answer shared by every caller until it nears its expiry; a failure is not kept. */
function refreshing(source: AwsCredentialIdentity | AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
    if (typeof source !== "function") return async () => source;
    let current: Promise<AwsCredentialIdentity> | undefined;
    let expires = Infinity;
    return () => {
        if (current === undefined || expires - Date.now() < REFRESH_BEFORE_MS) {
            const asked = source();
            current = asked;
            expires = Infinity;
            asked.then(
                (identity) => (expires = identity.expiration?.getTime() ?? Infinity),
                () => current === asked && (current = undefined),
            );
        }
        return current;
    };
}
