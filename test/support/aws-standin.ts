/**
 * A stand-in for AWS's public HTTPS endpoints, on loopback, for tests that use no endpoint settings at all: a TLS
 * server whose certificate, for the regions' Timestream and KMS host names, is signed by a throwaway CA made with
 * `openssl` at start. A provider host trusts the CA through NODE_EXTRA_CA_CERTS and reaches the stand-in through the
 * `route-aws.js` preload. The stand-in answers Timestream's DescribeEndpoints itself (as told: ok, denied, throttled,
 * dropped) with an address of its own, and forwards every other request to `upstream` (a RecordingProxy before moto).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { readBody } from "../../lab/proxy";

/** How the stand-in answers one DescribeEndpoints request. */
export type DiscoveryAnswer = "ok" | "denied" | "throttle" | "drop";

/** One request that reached the stand-in. */
export interface StandInCall {
    /** The AWS host name the client meant, from the Host header, e.g. "ingest.timestream.us-east-1.amazonaws.com". */
    readonly host: string;
    /** From X-Amz-Target, e.g. "DescribeEndpoints", "DescribeDatabase", "DescribeKey". */
    readonly operation: string;
}

/** The preload that routes `*.amazonaws.com:443` to the stand-in; give it to a host with {@link AwsStandIn.hostEnv}. */
export const ROUTE_AWS_PRELOAD = path.join(__dirname, "route-aws.js");

export class AwsStandIn {
    readonly calls: StandInCall[] = [];
    private discovery: DiscoveryAnswer[] = [];

    private constructor(
        private readonly server: https.Server,
        private readonly upstream: URL,
        private readonly dir: string,
    ) {}

    /**
     * Makes a CA and a certificate for `regions`, and listens on a free loopback port.
     *
     * @example
     * const standIn = await AwsStandIn.start(proxy.endpoint, ["us-east-1"]);
     * const host = await ProviderHost.start({ cwd, env: standIn.hostEnv() });
     */
    static async start(upstream: string, regions: readonly string[]): Promise<AwsStandIn> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-standin-"));
        const names = regions.flatMap((r) => [`ingest.timestream.${r}.amazonaws.com`, `*.timestream.${r}.amazonaws.com`, `kms.${r}.amazonaws.com`, `sts.${r}.amazonaws.com`]);
        makeCertificates(dir, ["sts.amazonaws.com", ...names]);
        const server = https.createServer({ key: fs.readFileSync(path.join(dir, "server.key")), cert: fs.readFileSync(path.join(dir, "server.pem")) });
        const standIn = new AwsStandIn(server, new URL(upstream), dir);
        server.on("request", (req, res) => void standIn.handle(req, res));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return standIn;
    }

    /** e.g. "127.0.0.1:51236" */
    get address(): string {
        return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
    }

    /** The CA certificate file a client must trust. */
    get caFile(): string {
        return path.join(this.dir, "ca.pem");
    }

    /** The file the preload writes refused non-loopback connections to. */
    get blockedLog(): string {
        return path.join(this.dir, "blocked.log");
    }

    /** The Timestream address DescribeEndpoints answers with for `region`. */
    discoveredAddress(region: string): string {
        return `ingest-cell2.timestream.${region}.amazonaws.com`;
    }

    /**
     * A provider host's environment: the preload, the CA, and nothing that sets an endpoint.
     * `unreachable` host names are routed to a loopback port nothing listens on.
     */
    hostEnv(options: { unreachable?: string[]; closedPort?: number } = {}): Record<string, string | undefined> {
        return {
            NODE_OPTIONS: `--require ${ROUTE_AWS_PRELOAD}`,
            NODE_EXTRA_CA_CERTS: this.caFile,
            TEST_AWS_STANDIN: this.address,
            TEST_AWS_BLOCKED_LOG: this.blockedLog,
            TEST_AWS_UNREACHABLE: (options.unreachable ?? []).join(","),
            TEST_AWS_CLOSED_PORT: options.closedPort === undefined ? undefined : String(options.closedPort),
            AWS_ENDPOINT_URL: undefined,
            AWS_ENDPOINT_URL_TIMESTREAM_WRITE: undefined,
            AWS_ENDPOINT_URL_KMS: undefined,
            AWS_ENDPOINT_URL_STS: undefined,
            AWS_ENABLE_ENDPOINT_DISCOVERY: undefined,
            AWS_ENDPOINT_DISCOVERY_ENABLED: undefined,
            AWS_PROFILE: undefined,
            // No shared config: its endpoint_url or endpoint_discovery_enabled would change what is tested.
            AWS_CONFIG_FILE: path.join(this.dir, "no-config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(this.dir, "no-credentials"),
        };
    }

    /** Answers the next DescribeEndpoints requests with these, one each, then "ok" again. */
    answerDiscovery(...answers: DiscoveryAnswer[]): void {
        this.discovery.push(...answers);
    }

    /** Calls whose operation is `operation`, as [host, operation] pairs. */
    callsOf(operation: string): StandInCall[] {
        return this.calls.filter((c) => c.operation === operation);
    }

    /** Non-loopback connections the preload refused so far, as "host:port". */
    blocked(): string[] {
        return fs.existsSync(this.blockedLog) ? fs.readFileSync(this.blockedLog, "utf8").split("\n").filter(Boolean) : [];
    }

    /** Forgets calls, pending answers and refused connections. */
    reset(): void {
        this.calls.length = 0;
        this.discovery = [];
        fs.rmSync(this.blockedLog, { force: true });
    }

    async stop(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise((resolve) => this.server.close(resolve));
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const body = await readBody(req);
        const host = String(req.headers.host ?? "").replace(/:\d+$/, "");
        const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
        this.calls.push({ host, operation });
        if (operation === "DescribeEndpoints") return this.discover(host, req, res);
        const answer = await forward(this.upstream, req, body).catch(() => undefined);
        if (answer === undefined) return void req.socket.destroy();
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
    }

    /** DescribeEndpoints as Timestream answers it, or the fault asked for. */
    private discover(host: string, req: http.IncomingMessage, res: http.ServerResponse): void {
        const answer = this.discovery.shift() ?? "ok";
        if (answer === "drop") return void req.socket.destroy();
        const region = /^ingest\.timestream\.([^.]+)\.amazonaws\.com$/.exec(host)?.[1] ?? "unknown";
        const json = (status: number, type: string | undefined, payload: unknown) => {
            res.writeHead(status, { "content-type": "application/x-amz-json-1.0", ...(type ? { "x-amzn-errortype": type } : {}) });
            res.end(JSON.stringify(payload));
        };
        if (answer === "denied") {
            return json(400, "AccessDeniedException", {
                __type: "AccessDeniedException",
                Message: "User: arn:aws:iam::123456789012:user/test is not authorized to perform: timestream:DescribeEndpoints",
            });
        }
        if (answer === "throttle") return json(400, "ThrottlingException", { __type: "ThrottlingException", Message: "Rate exceeded" });
        json(200, undefined, { Endpoints: [{ Address: this.discoveredAddress(region), CachePeriodInMinutes: 1440 }] });
    }
}

/** A CA (ca.pem, ca.key) and a server certificate for `names` signed by it (server.pem, server.key), in `dir`. */
function makeCertificates(dir: string, names: readonly string[]): void {
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=pulumi-timestream-kms test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=amazonaws.com stand-in");
    fs.writeFileSync(
        path.join(dir, "server.ext"),
        `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\n`,
    );
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "server.ext");
}

function forward(upstream: URL, req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.OutgoingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
        const out = http.request(
            { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host, "content-length": String(body.length) } },
            async (answer) => {
                const payload = await readBody(answer);
                const headers: http.OutgoingHttpHeaders = { ...answer.headers, "content-length": String(payload.length) };
                delete headers["transfer-encoding"];
                resolve({ status: answer.statusCode ?? 502, headers, body: payload });
            },
        );
        out.on("error", reject);
        out.end(body);
    });
}

