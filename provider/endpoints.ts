/**
 * Where AWS calls go: the `endpoint` input, `aws:endpoints` stack config (as `@pulumi/aws` reads it) and the SDK's
 * `AWS_ENDPOINT_URL*` variables, in that order, and the rule every one of them must follow: https, or plain http only
 * to this machine (a session token and the request's signature travel in clear over http), and no user name or
 * password in the URL. Pure: nothing here calls AWS.
 */
import { quoted } from "./quote";

/** The services this provider calls, as `aws:endpoints` and the SDK's variables name them. */
export type Service = "timestreamwrite" | "kms" | "sts";

/** `aws:endpoints`, one URL per service; read once in `configure`. */
export interface StackEndpoints {
    readonly urls: Readonly<Partial<Record<Service, string>>>;
    /** Why `aws:endpoints` cannot be used; every operation fails with it. */
    readonly problem?: string;
}

// The SDK's service-specific variable of each service (its service id in upper snake case).
const VARIABLES: Record<Service, string> = {
    timestreamwrite: "AWS_ENDPOINT_URL_TIMESTREAM_WRITE",
    kms: "AWS_ENDPOINT_URL_KMS",
    sts: "AWS_ENDPOINT_URL_STS",
};
const SERVICES = Object.keys(VARIABLES) as Service[];
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Why `value` (named `name` in the message) may not receive signed AWS requests, or undefined when it may: an
 * https URL, or an http URL of this machine (`localhost`, `127.0.0.0/8`, `::1`), without a user name or password.
 *
 * @example
 * endpointProblem("endpoint", "http://timestream.corp.example:8080"); // "endpoint … must use https: …"
 */
export function endpointProblem(name: string, value: string): string | undefined {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return `${name} ${quoted(value)} must be an https URL such as https://ingest-cell1.timestream.us-east-1.amazonaws.com`;
    }
    if (url.username !== "" || url.password !== "") {
        return `${name} ${quoted(value)} must not hold a user name or password: AWS requests are signed, and a URL's credentials would be stored in the state. Remove them`;
    }
    if (url.protocol === "https:") return undefined;
    if (url.protocol === "http:" && LOOPBACK.test(url.hostname)) return undefined;
    return (
        `${name} ${quoted(value)} must use https: over ${url.protocol === "http:" ? "plain http" : url.protocol} the request's signature and any ` +
        "session token could be read and replayed on the way. Use https://, or plain http only for an emulator on this machine (localhost, 127.0.0.1, ::1)"
    );
}

/**
 * Reads `aws:endpoints`: a list of objects mapping service names to URLs, as `@pulumi/aws` writes it
 * (`[{ "timestreamwrite": "https://…", "kms": "https://…" }]`); the first URL given for a service wins. A value
 * that cannot be used is reported in `problem`, not thrown (see `stackCredentialsOf`).
 *
 * @example
 * stackEndpointsOf((key) => req.config.get(key)).urls.kms;
 */
export function stackEndpointsOf(get: (key: string) => string | undefined): StackEndpoints {
    const text = get("aws:endpoints") || undefined;
    if (text === undefined) return { urls: {} };
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        return { urls: {}, problem: "stack config: aws:endpoints must be JSON, a list of objects such as [{ kms: https://… }]" };
    }
    const entries = Array.isArray(parsed) ? parsed : [parsed];
    const urls: Partial<Record<Service, string>> = {};
    const problems: string[] = [];
    for (const entry of entries) {
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            problems.push("aws:endpoints must be a list of objects mapping service names to URLs");
            continue;
        }
        for (const service of SERVICES) {
            const url = (entry as Record<string, unknown>)[service];
            if (url === undefined || url === "" || urls[service] !== undefined) continue;
            const problem = typeof url === "string" ? endpointProblem(`aws:endpoints ${service}`, url) : `aws:endpoints ${service} must be a URL`;
            if (problem === undefined) urls[service] = url as string;
            else problems.push(problem);
        }
    }
    return { urls, problem: problems.length > 0 ? `stack config: ${problems.join("; ")}` : undefined };
}

/**
 * The endpoint the calls to `service` go to, or undefined for AWS's own (endpoint discovery, for Timestream): the
 * resource's `endpoint` input (Timestream only), else `aws:endpoints`, else the SDK's service variable, else
 * `AWS_ENDPOINT_URL`; the variables are ignored under `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`, as the SDK does.
 *
 * @example
 * endpointOf("kms", stack.urls); // "https://kms.example.com" from aws:endpoints
 */
export function endpointOf(service: Service, stack: StackEndpoints["urls"], input?: string): string | undefined {
    return input ?? stack[service] ?? environmentEndpoints()[service];
}

/** Why an `AWS_ENDPOINT_URL*` variable in this process cannot be used, or undefined; checked before every operation. */
export function environmentEndpointProblem(): string | undefined {
    const problems = environmentVariables()
        .map((name) => endpointProblem(name, process.env[name]!))
        .filter((p) => p !== undefined);
    return problems.length > 0 ? `the environment: ${problems.join("; ")}` : undefined;
}

/** The set variables, service-specific ones first, unless the SDK is told to ignore them. */
function environmentVariables(): string[] {
    if (process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true") return [];
    return [...SERVICES.map((s) => VARIABLES[s]), "AWS_ENDPOINT_URL"].filter((name) => process.env[name]);
}

function environmentEndpoints(): Partial<Record<Service, string>> {
    const set = new Set(environmentVariables());
    const value = (name: string) => (set.has(name) ? process.env[name] : undefined);
    return Object.fromEntries(SERVICES.map((s) => [s, value(VARIABLES[s]) ?? value("AWS_ENDPOINT_URL")]));
}
