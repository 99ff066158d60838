/**
 * Drives the real Pulumi dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`)
 * over gRPC, in the order and shape the Pulumi engine does: configure, then
 * check, diff, create, read, update, delete. Used by the engine-protocol tests,
 * the install test, `npm run demo` and `npm run bench`.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { ownerOf } from "../provider/ownership";

const REPO = path.resolve(__dirname, "..");
const PROJECT = "timestream-kms-test";
const TYPE = "pulumi-nodejs:dynamic/timestream:DatabaseKmsKey";
/** The organization the engine suites play (what the Pulumi CLI passes for a self-managed backend). */
const ORGANIZATION = "organization";

// One copy of grpc-js and protobuf: the ones the host's generated stubs use.
const pulumiDir = (from: string) => path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [from] }));
const fromPulumi = (from: string, id: string) => require(require.resolve(id, { paths: [pulumiDir(from)] }));

/** Pulumi's placeholder for a value unknown during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;

/**
 * What the engine gets from a create or update that failed after the resource came to exist: the host's
 * `ErrorResourceInitFailed` detail. The engine records `properties` as the resource's state and finishes it on the
 * next `pulumi up`.
 */
export interface InitFailure {
    readonly id: string;
    readonly properties: Props;
    readonly reasons: string[];
}

/** A failed host call: the message the engine shows, and the init-failure detail when the host sent one. */
export class HostCallError extends Error {
    constructor(
        message: string,
        readonly initFailure?: InitFailure,
    ) {
        super(message);
    }
}
export type DiffChanges = "DIFF_UNKNOWN" | "DIFF_NONE" | "DIFF_SOME";

export interface HostOptions {
    /** The user's project directory: the host's working directory, where `require` resolves. */
    readonly cwd: string;
    /** Extra environment for the host process (AWS_ENDPOINT_URL, AWS_REGION, …). */
    readonly env?: Record<string, string | undefined>;
    /** Where to find `@pulumi/pulumi` (the host itself); defaults to `cwd`, then this repository. */
    readonly pulumiFrom?: string;
}

/** A running dynamic-provider host and a gRPC client to it. */
export class ProviderHost {
    private constructor(
        readonly process: ChildProcess,
        private readonly client: any,
        private readonly proto: any,
        private readonly Struct: any,
        private readonly statusProto: any,
        /** The lines of the provider's log (the host's standard error) that start with "warning: ", as it wrote them. */
        readonly warnings: string[],
    ) {}

    /**
     * Spawns the host as the engine does (one argument, an engine address it never dials) and connects.
     *
     * @example
     * const host = await ProviderHost.start({ cwd: await userProject(), env: { AWS_ENDPOINT_URL: moto.endpoint } });
     * await host.configure({ "aws:region": "us-east-1" });
     */
    static async start(options: HostOptions): Promise<ProviderHost> {
        const from = options.pulumiFrom ?? (hasPulumi(options.cwd) ? options.cwd : REPO);
        const entry = require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [pulumiDir(from)] });
        const child = spawn(process.execPath, [entry, "127.0.0.1:1"], {
            cwd: options.cwd,
            env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", PULUMI_NODEJS_PROJECT: PROJECT, ...options.env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        child.stderr!.on("data", (d) => process.env.HOST_STDERR && process.stderr.write(d));
        const warnings: string[] = [];
        readline.createInterface({ input: child.stderr! }).on("line", (line) => line.startsWith("warning: ") && warnings.push(line));
        const port = await new Promise<string>((resolve, reject) => {
            readline.createInterface({ input: child.stdout! }).once("line", resolve);
            child.once("exit", (code) => reject(new Error(`provider host exited with ${code} before printing its port`)));
        });
        const grpc = fromPulumi(from, "@grpc/grpc-js");
        const services = require(path.join(pulumiDir(from), "proto", "provider_grpc_pb"));
        const proto = require(path.join(pulumiDir(from), "proto", "provider_pb"));
        const statusProto = require(path.join(pulumiDir(from), "proto", "status_pb"));
        const { Struct } = fromPulumi(from, "google-protobuf/google/protobuf/struct_pb");
        const client = new services.ResourceProviderClient(`127.0.0.1:${port.trim()}`, grpc.credentials.createInsecure());
        return new ProviderHost(child, client, proto, Struct, statusProto, warnings);
    }

    /** Configure, as the engine sends it: all stack config as `args`. */
    async configure(config: Record<string, string>): Promise<void> {
        const req = new this.proto.ConfigureRequest();
        req.setArgs(this.Struct.fromJavaScript(config));
        req.setAcceptsecrets(true);
        req.setAcceptresources(true);
        await this.call("configure", req);
    }

    async check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
        const req = new this.proto.CheckRequest();
        req.setUrn(urn);
        req.setOlds(this.Struct.fromJavaScript(olds));
        req.setNews(this.Struct.fromJavaScript(news));
        const res = await this.call("check", req);
        return {
            inputs: res.getInputs()?.toJavaScript() ?? {},
            failures: res.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    async diff(urn: string, id: string, olds: Props, news: Props): Promise<{ changes: DiffChanges; replaces: string[]; deleteBeforeReplace: boolean }> {
        const req = new this.proto.DiffRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setOlds(this.Struct.fromJavaScript(olds));
        req.setNews(this.Struct.fromJavaScript(news));
        const res = await this.call("diff", req);
        const names = Object.fromEntries(Object.entries(this.proto.DiffResponse.DiffChanges).map(([k, v]) => [v, k]));
        return { changes: names[res.getChanges()] as DiffChanges, replaces: res.getReplacesList(), deleteBeforeReplace: res.getDeletebeforereplace() };
    }

    async create(urn: string, properties: Props): Promise<{ id: string; properties: Props }> {
        const req = new this.proto.CreateRequest();
        req.setUrn(urn);
        req.setProperties(this.Struct.fromJavaScript(properties));
        const res = await this.call("create", req);
        return { id: res.getId(), properties: res.getProperties()?.toJavaScript() ?? {} };
    }

    async read(urn: string, id: string, properties: Props): Promise<{ id: string; properties: Props }> {
        const req = new this.proto.ReadRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setProperties(this.Struct.fromJavaScript(properties));
        const res = await this.call("read", req);
        return { id: res.getId(), properties: res.getProperties()?.toJavaScript() ?? {} };
    }

    async update(urn: string, id: string, olds: Props, news: Props): Promise<{ properties: Props }> {
        const req = new this.proto.UpdateRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setOlds(this.Struct.fromJavaScript(olds));
        req.setNews(this.Struct.fromJavaScript(news));
        const res = await this.call("update", req);
        return { properties: res.getProperties()?.toJavaScript() ?? {} };
    }

    async delete(urn: string, id: string, properties: Props): Promise<void> {
        const req = new this.proto.DeleteRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setProperties(this.Struct.fromJavaScript(properties));
        await this.call("delete", req);
    }

    /** Stops the host and closes the client. */
    async stop(): Promise<void> {
        this.client.close();
        // A process ended by a signal keeps exitCode null; signalCode tells it has exited already.
        if (this.process.exitCode === null && this.process.signalCode === null) {
            const exited = new Promise((resolve) => this.process.once("exit", resolve));
            this.process.kill();
            await exited;
        }
    }

    private call(method: string, req: unknown): Promise<any> {
        return new Promise((resolve, reject) =>
            this.client[method](req, (error: (Error & { metadata?: any }) | null, res: unknown) =>
                error ? reject(new HostCallError(error.message, this.initFailureOf(error.metadata))) : resolve(res),
            ),
        );
    }

    /** The `ErrorResourceInitFailed` detail in an error's metadata, decoded as the engine decodes it. */
    private initFailureOf(metadata: any): InitFailure | undefined {
        const [bytes] = metadata?.get("grpc-status-details-bin") ?? [];
        if (bytes === undefined) return undefined;
        const status = this.statusProto.Status.deserializeBinary(new Uint8Array(bytes));
        const detail = status.getDetailsList().find((any: any) => any.getTypeName() === "pulumirpc.ErrorResourceInitFailed");
        if (detail === undefined) return undefined;
        const failed = this.proto.ErrorResourceInitFailed.deserializeBinary(detail.getValue_asU8());
        return { id: failed.getId(), properties: failed.getProperties()?.toJavaScript() ?? {}, reasons: failed.getReasonsList() };
    }
}

/** The stack the engine suites play, in URNs and owners. */
export const STACK = "test";

/** The URN the engine would give a DatabaseKmsKey named `name` in `stack`. */
export function urnOf(name: string, stack = STACK): string {
    return `urn:pulumi:${stack}::${PROJECT}::${TYPE}::${name}`;
}

/**
 * The `owner` input a program gives a DatabaseKmsKey named `name` in `stack` (DatabaseKmsKey sets it from the
 * project, the stack and the name), for suites that send a program's inputs themselves.
 *
 * @example
 * await host.create(urnOf("key"), { databaseName: "metrics", kmsKeyId: key.arn, owner: ownerFor("key"), __provider: provider });
 */
export function ownerFor(name: string, stack = STACK, parentUrn?: string): string {
    return ownerOf({ organization: ORGANIZATION, project: PROJECT, stack, parentUrn, type: TYPE, name });
}

function hasPulumi(dir: string): boolean {
    return fs.existsSync(path.join(dir, "node_modules", "@pulumi", "pulumi", "package.json"));
}

/**
 * A throwaway Pulumi project whose node_modules links to this repository, as
 * `npm link` would: the host started there resolves `pulumi-timestream-kms`
 * from the project, like a user's. Run `npm run build` first.
 */
export function linkedProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-project-"));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: PROJECT, private: true }));
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.symlinkSync(REPO, path.join(dir, "node_modules", "pulumi-timestream-kms"), "dir");
    return dir;
}

/**
 * The `__provider` string a Pulumi program stores for a DatabaseKmsKey,
 * obtained the way a program does: construct the resource (from the built
 * package in `packageDir`) under `pulumi.runtime.setMocks` and take the
 * provider module from the registered inputs.
 */
export async function registeredProvider(packageDir = REPO): Promise<string> {
    const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [packageDir] }));
    const { DatabaseKmsKey } = require(packageDir);
    let captured: string | undefined;
    await pulumi.runtime.setMocks(
        {
            newResource: (args: { inputs: Props; name: string }) => {
                captured = args.inputs.__provider as string;
                return { id: args.name, state: args.inputs };
            },
            call: () => ({}),
        },
        PROJECT,
        "test",
        false,
    );
    const resource = new DatabaseKmsKey("probe", { databaseName: "probe", kmsKeyId: "alias/probe" });
    // A resource that fails to construct never registers, and its urn never resolves: fail instead of waiting forever.
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the program registered nothing within 30 s: did constructing the resource fail?")), 30_000);
    });
    await Promise.race([new Promise<void>((resolve) => resource.urn.apply(() => resolve())), stalled]).finally(() => clearTimeout(timer));
    if (typeof captured !== "string") throw new Error("the program registered no __provider");
    return captured;
}
