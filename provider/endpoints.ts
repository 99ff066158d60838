/**
 * Where AWS calls go: the `endpoint` input, `aws:endpoints` stack config (as `@pulumi/aws` reads it), the SDK's
 * `AWS_ENDPOINT_URL*` variables and the shared config file's `endpoint_url` and `services` sections, and the rule
 * every one of them must follow: https, or plain http only to this machine (a session token, an SSO token and the
 * request's signature travel in clear over http), and no user name or password in the URL. Nothing here calls AWS.
 */
import { getProfileName, loadSharedConfigFiles } from "@smithy/core/config";
import { quoted, quotedUrl } from "./quote";
import type { SharedProfile } from "./retry";

/** The services this provider calls, as `aws:endpoints` and the SDK's variables name them. */
export type Service = "timestreamwrite" | "kms" | "sts";

/** `aws:endpoints`, one URL per service; read once in `configure`. */
export interface StackEndpoints {
    readonly urls: Readonly<Partial<Record<Service, string>>>;
    /** Why `aws:endpoints` cannot be used; every operation fails with it. */
    readonly problem?: string;
}

// The SDK's service id of each service this provider calls, from which the SDK names its variable and its key in a
// shared config `services` section.
const SERVICE_IDS: Record<Service, string> = { timestreamwrite: "Timestream Write", kms: "KMS", sts: "STS" };
const SERVICES = Object.keys(SERVICE_IDS) as Service[];
// Every client that carries this provider's credentials or a token: the services it calls, and the clients the SDK
// makes to get credentials for a profile (SSO's GetRoleCredentials sends the SSO access token, SSO OIDC's CreateToken
// the refresh token, Signin's the `aws login` session's).
const CREDENTIAL_SERVICE_IDS = [...Object.values(SERVICE_IDS), "SSO", "SSO OIDC", "Signin"];
const variableOf = (serviceId: string) => ["AWS_ENDPOINT_URL", ...serviceId.toUpperCase().split(" ")].join("_");
const VARIABLES = Object.fromEntries(SERVICES.map((s) => [s, variableOf(SERVICE_IDS[s])])) as Record<Service, string>;
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
        return `${name} ${quotedUrl(value)} must be an https URL such as https://ingest-cell1.timestream.us-east-1.amazonaws.com`;
    }
    if (url.username !== "" || url.password !== "") {
        return `${name} ${quotedUrl(value)} must not hold a user name or password: AWS requests are signed, and a URL's credentials would be stored in the state. Remove them`;
    }
    if (url.protocol === "https:") return undefined;
    if (url.protocol === "http:" && LOOPBACK.test(url.hostname)) return undefined;
    return (
        `${name} ${quotedUrl(value)} must use https: over ${url.protocol === "http:" ? "plain http" : url.protocol} the request's signature and any ` +
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
    if (ignoresConfiguredEndpoints()) return [];
    return [...CREDENTIAL_SERVICE_IDS.map(variableOf), "AWS_ENDPOINT_URL"].filter((name) => process.env[name]);
}

function ignoresConfiguredEndpoints(): boolean {
    return process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true";
}

/**
 * Why an endpoint of the shared config file cannot be used, or undefined: the `endpoint_url` of each profile of
 * `profiles` (an unset profile or file is the SDK's own: AWS_PROFILE or default, AWS_CONFIG_FILE or ~/.aws/config),
 * and the `<service>.endpoint_url` of the `services` section it names, for every client that carries credentials or a
 * token. The SDK reads them from its own profile; the profile that gives the credentials is checked too, as AWS
 * documents a profile's endpoints for it. Read through @smithy/core's file cache, once per process, as the SDK reads
 * it. A profile saying `ignore_configured_endpoint_urls = true`, or AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, is not
 * checked.
 *
 * @example
 * await sharedConfigEndpointProblem([{}, { profile: "ops" }]); // 'the shared AWS config: endpoint_url of profile "ops" … must use https …'
 */
export async function sharedConfigEndpointProblem(profiles: readonly SharedProfile[]): Promise<string | undefined> {
    if (ignoresConfiguredEndpoints()) return undefined;
    const problems = new Set<string>();
    for (const { profile, configFile } of profiles) {
        const { configFile: sections } = await loadSharedConfigFiles({ configFilepath: configFile });
        const name = getProfileName({ profile });
        const section = ownSection(sections, name);
        if (section.ignore_configured_endpoint_urls === "true") continue;
        const where = ` in ${configFile ?? process.env.AWS_CONFIG_FILE ?? "~/.aws/config"}`;
        const urls: [string, string | undefined][] = [[`endpoint_url of profile ${quoted(name)}`, section.endpoint_url]];
        if (section.services !== undefined) {
            const services = ownSection(sections, `services.${section.services}`);
            for (const id of CREDENTIAL_SERVICE_IDS) {
                const key = `${id.toLowerCase().split(" ").join("_")}.endpoint_url`;
                urls.push([`${key} of services section ${quoted(section.services)}`, services[key]]);
            }
        }
        for (const [setting, url] of urls) {
            const problem = url && endpointProblem(`${setting}${where}`, url);
            if (problem) problems.add(problem);
        }
    }
    return problems.size > 0 ? `the shared AWS config: ${[...problems].join("; ")}` : undefined;
}

/** The section `name` of parsed shared config, or none: a name such as `__proto__` names no section. */
function ownSection(sections: Record<string, Record<string, string | undefined>>, name: string): Record<string, string | undefined> {
    return Object.prototype.hasOwnProperty.call(sections, name) ? sections[name] : {};
}

function environmentEndpoints(): Partial<Record<Service, string>> {
    const set = new Set(environmentVariables());
    const value = (name: string) => (set.has(name) ? process.env[name] : undefined);
    return Object.fromEntries(SERVICES.map((s) => [s, value(VARIABLES[s]) ?? value("AWS_ENDPOINT_URL")]));
}
