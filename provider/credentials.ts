/**
 * Who calls AWS: the stack config `@pulumi/aws` reads (`aws:profile`, `aws:accessKey`/`aws:secretKey`/`aws:token`,
 * `aws:assumeRoles` or the older `aws:assumeRole`, `aws:allowedAccountIds`/`aws:forbiddenAccountIds`), the
 * per-resource `profile` and `assumeRole` inputs, the rules that check them, and the AWS SDK credential provider they
 * make. Per-resource inputs win over stack config. Nothing here is ever stored in state or printed.
 */
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { RetryStrategyV2 } from "@smithy/types";

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
    /** The external ID the role's trust policy asks for. Stored in state like any input: wrap it in `pulumi.secret`. */
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
    /** Why the config above cannot be used; every operation fails with it. */
    readonly problem?: string;
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
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ACCOUNT_ID = /^\d{12}$/;
const GO_DURATION = /^(\d+h)?(\d+m)?(\d+s)?$/;
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
    const stack = {
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
 * Why `value` is not a role to assume, or undefined when it is one. `unknown`, Pulumi's placeholder for a value not
 * known during preview, passes wherever it stands.
 *
 * @example
 * assumeRoleProblem({ roleArn: "arn:aws:iam::111111111111:role/x" }); // undefined
 */
export function assumeRoleProblem(value: unknown, unknown?: string): string | undefined {
    if (value === unknown) return undefined;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return "must be an object with a roleArn";
    const role = value as Record<string, unknown>;
    const field = (name: string, ok: (v: unknown) => boolean, rule: string): string | undefined =>
        role[name] === undefined || role[name] === unknown || ok(role[name]) ? undefined : `${name} ${rule}`;
    const text = (pattern: RegExp) => (v: unknown) => typeof v === "string" && pattern.test(v);
    const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === "string");
    if (role.roleArn === undefined) return "roleArn is required";
    return (
        field("roleArn", text(ROLE_ARN), `"${String(role.roleArn).slice(0, 80)}" must be an IAM role ARN such as arn:aws:iam::111111111111:role/NAME`) ??
        field("externalId", text(EXTERNAL_ID), "must be 2-1224 characters of letters, digits and +=,.@:/-") ??
        field("sessionName", text(SESSION_NAME), "must be 2-64 characters of letters, digits and +=,.@-") ??
        field("durationSeconds", (v) => Number.isInteger(v) && (v as number) >= 900 && (v as number) <= 43_200, "must be a whole number from 900 to 43200") ??
        field("duration", (v) => typeof v === "string" && v !== "" && GO_DURATION.test(v), 'must be a duration such as "15m" or "1h"') ??
        field("policy", (v) => typeof v === "string", "must be a JSON policy string") ??
        field("policyArns", strings, "must be a list of policy ARNs") ??
        field("tags", (v) => typeof v === "object" && v !== null && Object.values(v).every((s) => typeof s === "string"), "must map tag keys to strings") ??
        field("transitiveTagKeys", strings, "must be a list of tag keys") ??
        field("sourceIdentity", (v) => typeof v === "string", "must be a string")
    );
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
    };
}

/**
 * A name for `identity` that tells identities apart without holding a secret: the profile, the access key ID (not
 * the secret key or token) and the role chain.
 */
export function identityKey(identity: Identity): string {
    return JSON.stringify([identity.profile, identity.keys?.accessKeyId, identity.roles]);
}

/**
 * What an SDK client of `identity` is given: nothing for the SDK's default chain, else one credential provider
 * shared by every client of the identity (the SDK's own providers: a profile's SSO, `credential_process` and
 * `role_arn` included), so a role is assumed once and refreshed before it expires. Its STS calls use `retryStrategy`.
 */
export function clientCredentials(
    identity: Identity,
    region: string,
    retryStrategy?: RetryStrategyV2,
): { profile?: string; credentials?: AwsCredentialIdentityProvider } {
    if (identity.profile === undefined && identity.keys === undefined && identity.roles.length === 0) return {};
    let credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider = identity.keys ?? fromNodeProviderChain({ profile: identity.profile });
    for (const role of identity.roles) {
        credentials = fromTemporaryCredentials({ params: assumeRoleParams(role), masterCredentials: credentials, clientConfig: { region, retryStrategy } });
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
        DurationSeconds: role.durationSeconds ?? (role.duration === undefined ? undefined : seconds(role.duration)),
        Policy: role.policy,
        PolicyArns: role.policyArns?.map((arn) => ({ arn })),
        Tags: role.tags === undefined ? undefined : Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })),
        TransitiveTagKeys: role.transitiveTagKeys,
        SourceIdentity: role.sourceIdentity,
    };
}

/** Seconds in a Go duration such as "1h30m" (checked by {@link assumeRoleProblem}). */
function seconds(duration: string): number {
    const [, h = "0", m = "0", s = "0"] = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration)!;
    return Number(h) * 3600 + Number(m) * 60 + Number(s);
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
