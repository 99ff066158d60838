/**
 * A recording, fault-injecting HTTP proxy between the AWS SDK and moto, on
 * loopback. It records every request by its `X-Amz-Target` operation, can
 * answer chosen operations with a throttle, a 500 or a dropped connection, and
 * in "aws" mode answers the way AWS does where moto differs: DescribeDatabase
 * and UpdateDatabase report the key ARN even when an alias or key ID was sent.
 */
import * as http from "node:http";
import * as net from "node:net";

/** One request that reached the proxy. */
export interface RecordedCall {
    /** "timestream", "kms" (from the X-Amz-Target prefix) or "sts" (from the credential scope). */
    readonly service: string;
    /** e.g. "DescribeDatabase", "UpdateDatabase", "DescribeKey", "DescribeEndpoints", "AssumeRole", "GetCallerIdentity". */
    readonly operation: string;
    /** The signing region, from the Authorization header's credential scope. */
    readonly region: string | undefined;
    /** The access key ID that signed the request, from the same scope: whose credentials made the call. */
    readonly accessKeyId: string | undefined;
    /** The JSON request body. */
    readonly input: Record<string, unknown>;
    /** performance.now() when the request's headers arrived. */
    readonly arrivedMs: number;
    /** performance.now() when the answer was sent or the connection dropped; unset until then. */
    answeredMs?: number;
    /** performance.now() when moto answered the request forwarded to it (so applied it); unset for one never forwarded. */
    forwardedMs?: number;
    /** Answered ThrottlingException by the proxy's rate limits (see {@link RecordingProxy.limitRates}), not forwarded. */
    throttled?: boolean;
}

/**
 * Request rates Timestream accepts per account and region, as its quotas page documents them: create, update and
 * delete calls 1 a second, list and describe calls 5 a second. The proxy counts TagResource and UntagResource as
 * writes, the stricter reading.
 */
export interface RateLimits {
    readonly writesPerSecond: number;
    readonly readsPerSecond: number;
}

/** Timestream's documented quotas. */
export const TIMESTREAM_QUOTAS: RateLimits = { writesPerSecond: 1, readsPerSecond: 5 };

/**
 * How to answer a request instead of forwarding it; "hang" accepts it and never answers, "denied" answers
 * AccessDeniedException. The "applied-" faults forward the request (so moto applies it) and then answer 500, drop the
 * connection or never answer: a write whose outcome the client cannot know, or a process killed while it waits.
 */
export type Fault = "throttle" | "500" | "drop" | "hang" | "denied" | "applied-500" | "applied-drop" | "applied-hang";

/** "moto": forward answers as they are; "aws": normalize key identifiers in answers as AWS does. */
export type ProxyMode = "moto" | "aws";

// The AWS error each answering fault sends: HTTP status, error type, and the code STS's query protocol names it by.
const FAULT_ANSWERS: Record<string, [number, string, string]> = {
    throttle: [400, "ThrottlingException", "Throttling"],
    denied: [400, "AccessDeniedException", "AccessDenied"],
    "500": [500, "InternalServerException", "InternalFailure"],
    "applied-500": [500, "InternalServerException", "InternalFailure"],
};

/** A request held by {@link RecordingProxy.hold} until released: how a test forces the order calls land in. */
export interface Gate {
    /** Resolves with the request once it has arrived (and is held). */
    readonly arrived: Promise<RecordedCall>;
    /** Forwards the request (now, or as soon as it arrives). */
    release(): void;
    /** Resolves once the released request has been answered. */
    readonly answered: Promise<void>;
}

export class RecordingProxy {
    readonly calls: RecordedCall[] = [];
    private readonly gates: { operation: string; matches: (input: Record<string, unknown>) => boolean; hold: (call: RecordedCall) => Promise<void>; done: () => void }[] = [];
    private readonly faults = new Map<string, Fault[]>();
    private readonly persistent = new Map<string, Fault>();
    private outageMs = 0;
    private outageUntil = 0;
    private limits?: RateLimits;
    private refusingAfter?: string;
    /** Token buckets per account (access key), region and kind of call: tokens left and when they were counted. */
    private readonly buckets = new Map<string, { tokens: number; at: number }>();

    private constructor(
        private readonly server: http.Server,
        private readonly upstream: URL,
        readonly mode: ProxyMode,
    ) {}

    /**
     * Starts a proxy on a free loopback port in front of `upstream` (moto's endpoint).
     *
     * @example
     * const proxy = await RecordingProxy.start(moto.endpoint, "aws");
     * process.env.AWS_ENDPOINT_URL = proxy.endpoint;
     */
    static async start(upstream: string, mode: ProxyMode = "moto"): Promise<RecordingProxy> {
        const server = http.createServer();
        const proxy = new RecordingProxy(server, new URL(upstream), mode);
        server.on("request", (req, res) => void proxy.handle(req, res));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return proxy;
    }

    /** e.g. http://127.0.0.1:51235 */
    get endpoint(): string {
        this.port ??= (this.server.address() as net.AddressInfo).port;
        return `http://127.0.0.1:${this.port}`;
    }

    /** The port first listened on, kept while the proxy refuses connections. */
    private port?: number;

    /** Operation names in the order they arrived, e.g. ["DescribeDatabase", "DescribeKey"]. */
    operations(): string[] {
        return this.calls.map((c) => c.operation);
    }

    /** Operation names sorted, for calls the provider makes at the same time. */
    sortedOperations(): string[] {
        return this.operations().sort();
    }

    /** How many requests of `operation` arrived (all requests when omitted). */
    count(operation?: string): number {
        return operation === undefined ? this.calls.length : this.calls.filter((c) => c.operation === operation).length;
    }

    /** Timestream requests, endpoint discovery included. */
    timestreamCalls(): RecordedCall[] {
        return this.calls.filter((c) => c.service === "timestream");
    }

    /**
     * When a request of `operation` arrives, stops listening, answers it on a connection not kept alive and then
     * closes every connection, so the next request finds the port closed (connection refused: a request that never
     * left the client) until {@link listenAgain}.
     */
    refuseConnectionsAfter(operation: string): void {
        this.refusingAfter = operation;
    }

    /** Listens again on the same port after {@link refuseConnectionsAfter} closed it. */
    async listenAgain(): Promise<void> {
        const port = Number(new URL(this.endpoint).port);
        if (this.server.listening) return;
        await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", resolve));
    }

    /** Forgets recorded calls, pending faults, outages and rate limits. */
    reset(): void {
        this.calls.length = 0;
        this.faults.clear();
        this.persistent.clear();
        this.gates.length = 0;
        this.outageMs = 0;
        this.outageUntil = 0;
        this.limitRates(undefined);
    }

    /**
     * Answers Timestream requests beyond `limits` with ThrottlingException, as AWS does beyond its quotas: a token
     * bucket per account, region and kind (write or read) that holds one second's worth. Endpoint discovery and other
     * services are not limited. `undefined` lifts the limits.
     *
     * @example
     * proxy.limitRates(TIMESTREAM_QUOTAS);
     */
    limitRates(limits: RateLimits | undefined): void {
        this.limits = limits;
        this.buckets.clear();
    }

    /** Whether a request of `operation`, signed by `scope`, is over the rate limits; takes a token when it is not. */
    private overLimit(service: string, operation: string, scope: { accessKeyId?: string; region?: string }): boolean {
        if (this.limits === undefined || service !== "timestream" || operation === "DescribeEndpoints") return false;
        const write = /^(Create|Update|Delete|Tag|Untag)/.test(operation);
        const rate = write ? this.limits.writesPerSecond : this.limits.readsPerSecond;
        const key = JSON.stringify([scope.accessKeyId, scope.region, write]);
        const now = performance.now();
        const bucket = this.buckets.get(key) ?? { tokens: Math.max(1, rate), at: now };
        bucket.tokens = Math.min(Math.max(1, rate), bucket.tokens + ((now - bucket.at) / 1000) * rate);
        bucket.at = now;
        this.buckets.set(key, bucket);
        if (bucket.tokens < 1) return true;
        bucket.tokens -= 1;
        return false;
    }

    /**
     * Once the next injected fault fires, drops every request (of any operation) for `ms`: a network that goes away
     * right after a write landed, so retries and the check after them fail too.
     */
    outageAfterFault(ms: number): void {
        this.outageMs = ms;
    }

    /** Resolves when the outage that a fault started is over (at once when none is on). */
    async outageOver(): Promise<void> {
        const left = this.outageUntil - Date.now();
        if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    }

    /** Answers the next requests of `operation` with these faults, one each, then forwards again. */
    inject(operation: string, ...faults: Fault[]): void {
        this.faults.set(operation, [...(this.faults.get(operation) ?? []), ...faults]);
    }

    /**
     * Holds the next request of `operation` whose JSON input `matches` until the returned gate is released; the
     * request is recorded when it arrives and handled as usual (faults, forwarding) once released.
     *
     * @example
     * const tag = proxy.hold("TagResource", (input) => JSON.stringify(input).includes(owner));
     * await tag.arrived;
     * tag.release();
     */
    hold(operation: string, matches: (input: Record<string, unknown>) => boolean = () => true): Gate {
        let arrive!: (call: RecordedCall) => void;
        let release!: () => void;
        let answer!: () => void;
        const arrived = new Promise<RecordedCall>((resolve) => (arrive = resolve));
        const released = new Promise<void>((resolve) => (release = resolve));
        const answered = new Promise<void>((resolve) => (answer = resolve));
        this.gates.push({ operation, matches, hold: (call) => (arrive(call), released), done: answer });
        return { arrived, release, answered };
    }

    /** Answers every request of `operation` with `fault` until {@link reset}. */
    injectAlways(operation: string, fault: Fault): void {
        this.persistent.set(operation, fault);
    }

    async stop(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise((resolve) => this.server.close(resolve));
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const arrivedMs = performance.now();
        const body = await readBody(req);
        const target = String(req.headers["x-amz-target"] ?? "");
        const scope = credentialScope(req.headers);
        // JSON protocols name the operation in X-Amz-Target; STS's query protocol names it in the form body.
        const [prefix, operation = target] = target === "" ? [scope.service ?? "", new URLSearchParams(body.toString()).get("Action") ?? ""] : target.split(".");
        const service = prefix.startsWith("Timestream") ? "timestream" : prefix.startsWith("TrentService") ? "kms" : prefix;
        const input = target === "" ? Object.fromEntries(new URLSearchParams(body.toString())) : parseJson(body);
        const call: RecordedCall = { service, operation, region: scope.region, accessKeyId: scope.accessKeyId, input, arrivedMs };
        this.calls.push(call);
        // Which calls a client made at once, and which only after another's answer: the bench replays the same order.
        res.once("close", () => (call.answeredMs = performance.now()));
        const gate = this.gates.findIndex((g) => g.operation === operation && g.matches(input));
        if (gate >= 0) {
            const [{ hold, done }] = this.gates.splice(gate, 1);
            res.once("close", done);
            await hold(call);
        }
        if (this.refusingAfter === operation) {
            this.refusingAfter = undefined;
            // Closed before the answer, and the answer's connection not kept alive: the client's next request needs a
            // new connection, which is refused. A request sent on a kept-alive socket that closes under it would be a
            // reset instead, which may have reached AWS.
            this.server.close();
            this.server.closeIdleConnections();
            res.shouldKeepAlive = false;
            res.once("finish", () => this.server.closeAllConnections());
        }

        if (Date.now() < this.outageUntil) return void req.socket.destroy();
        call.throttled = this.overLimit(service, operation, scope) || undefined;
        const fault = call.throttled ? "throttle" : (this.persistent.get(operation) ?? this.faults.get(operation)?.shift());
        if (fault !== undefined && this.outageMs > 0) {
            this.outageUntil = Date.now() + this.outageMs;
            this.outageMs = 0;
        }
        if (fault === "drop") return void req.socket.destroy();
        // The connection stays open until the client gives up or stop() closes it.
        if (fault === "hang") return;
        if (fault === "applied-500" || fault === "applied-drop" || fault === "applied-hang") {
            await this.forward(req, body);
            call.forwardedMs = performance.now();
            if (fault === "applied-drop") return void req.socket.destroy();
            if (fault === "applied-hang") return;
        }
        if (fault !== undefined) {
            const [status, type, stsCode] = FAULT_ANSWERS[fault];
            const message = call.throttled ? "Rate exceeded (the test proxy's rate limits)" : `injected ${fault} by the test proxy`;
            if (service === "sts") {
                // STS speaks the query protocol: its errors are XML.
                res.writeHead(status, { "content-type": "text/xml" });
                return void res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>${stsCode}</Code><Message>${message}</Message></Error><RequestId>proxy</RequestId></ErrorResponse>`);
            }
            res.writeHead(status, { "content-type": "application/x-amz-json-1.0", "x-amzn-errortype": type });
            return void res.end(JSON.stringify({ __type: type, message }));
        }

        let answer;
        try {
            answer = await this.forward(req, body);
            call.forwardedMs = performance.now();
        } catch {
            // Upstream unreachable: the client sees a dropped connection, as it would without the proxy.
            return void req.socket.destroy();
        }
        let payload = answer.body;
        if (this.mode === "aws" && answer.status === 200 && (operation === "DescribeDatabase" || operation === "UpdateDatabase")) {
            payload = await this.asAws(payload, req.headers);
        }
        const headers = { ...answer.headers, "content-length": String(payload.length) };
        delete headers["transfer-encoding"];
        res.writeHead(answer.status, headers);
        res.end(payload);
    }

    /** Rewrites Database.KmsKeyId to the key ARN, as AWS reports it whatever form was sent. */
    private async asAws(payload: Buffer, headers: http.IncomingHttpHeaders): Promise<Buffer> {
        const json = parseJson(payload) as { Database?: { KmsKeyId?: string } };
        const keyId = json.Database?.KmsKeyId;
        if (keyId === undefined || /:key\//.test(keyId)) return payload;
        // moto routes by the credential scope of the Authorization header and does not check signatures.
        const region = signingRegion(headers) ?? "us-east-1";
        const authorization = `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/kms/aws4_request, SignedHeaders=host, Signature=0`;
        const described = await this.forward(
            { method: "POST", url: "/", headers: { authorization, "x-amz-target": "TrentService.DescribeKey", "content-type": "application/x-amz-json-1.1" } },
            Buffer.from(JSON.stringify({ KeyId: keyId })),
        );
        const arn = (parseJson(described.body) as { KeyMetadata?: { Arn?: string } }).KeyMetadata?.Arn;
        if (arn === undefined) return payload;
        json.Database!.KmsKeyId = arn;
        return Buffer.from(JSON.stringify(json));
    }

    private forward(
        req: Pick<http.IncomingMessage, "method" | "url" | "headers">,
        body: Buffer,
    ): Promise<{ status: number; headers: http.OutgoingHttpHeaders; body: Buffer }> {
        return new Promise((resolve, reject) => {
            const out = http.request(
                { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.upstream.host, "content-length": String(body.length) } },
                async (answer) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: await readBody(answer) }),
            );
            out.on("error", reject);
            out.end(body);
        });
    }
}

function signingRegion(headers: http.IncomingHttpHeaders): string | undefined {
    return credentialScope(headers).region;
}

/** The parts of the Authorization header's credential scope: `Credential=AKID/DATE/REGION/SERVICE/aws4_request`. */
function credentialScope(headers: http.IncomingHttpHeaders): { accessKeyId?: string; region?: string; service?: string } {
    const [, accessKeyId, region, service] = /Credential=([^/]+)\/[^/]+\/([^/]+)\/([^/]+)\//.exec(String(headers.authorization)) ?? [];
    return { accessKeyId, region, service };
}

/** The whole body of a request or response. */
export function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => resolve(Buffer.concat(chunks)));
        stream.on("error", reject);
    });
}

function parseJson(body: Buffer | string): Record<string, unknown> {
    try {
        return JSON.parse(body.toString() || "{}");
    } catch {
        return {};
    }
}
