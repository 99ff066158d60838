/**
 * What `npm run demo` and `npm run bench` run against, built from the rest of
 * the lab the tests use too: moto (or the emulator at AWS_ENDPOINT_URL), a {@link RecordingProxy}
 * that counts the provider's AWS calls, a throwaway project that links this
 * package, the `__provider` a program would store, and the real
 * dynamic-provider host driven the way the Pulumi engine drives it.
 * Everything started here is stopped by {@link runMain}, on errors and signals too.
 */
import * as fs from "node:fs";
import { Fixtures } from "./fixtures";
import { linkedProject, ProviderHost, Props, registeredProvider, urnOf } from "./host";
import { MOTO_MISSING, startMoto, stopMoto, TEST_CREDENTIALS } from "./moto";
import { RecordedCall, RecordingProxy } from "./proxy";

/** Work to undo, newest first. */
type Undo = () => unknown;

const undos: Undo[] = [];

/** Registers work to undo when the script ends, however it ends. */
export function onExit(undo: Undo): void {
    undos.push(undo);
}

/** Runs `undo` up to its first await, ignoring how it ends. */
function startUndo(undo: Undo): void {
    try {
        Promise.resolve(undo()).catch(() => undefined);
    } catch {
        // Exiting anyway.
    }
}

async function undoAll(): Promise<void> {
    for (let undo = undos.pop(); undo !== undefined; undo = undos.pop()) {
        try {
            await undo();
        } catch (error) {
            console.error(`cleanup: ${(error as Error).message}`);
        }
    }
}

/**
 * Runs a script's `main`, then stops everything it started and exits: 0 on
 * success, 1 on an error (a missing moto_server prints one line saying how to
 * install it), 130 on Ctrl-C.
 */
export function runMain(main: () => Promise<void>): void {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => void undoAll().finally(() => process.exit(130)));
    }
    // An exit nobody awaited (an uncaught error, EPIPE on stdout): every undo here kills, closes or
    // removes before its first await, so calling them without waiting still stops the children.
    process.once("exit", () => undos.splice(0).reverse().forEach(startUndo));
    main().then(
        // Keeps an exit code main set (e.g. a step that did not do what was expected).
        () => undoAll().finally(() => process.exit()),
        (error: Error) => {
            console.error(error.message === MOTO_MISSING ? MOTO_MISSING : (error.stack ?? String(error)));
            return undoAll().finally(() => process.exit(1));
        },
    );
}

/** The local AWS the provider talks to, through a counting proxy. */
export interface Lab {
    /** moto's (or the given emulator's) own endpoint; fixtures go straight there, uncounted. */
    readonly upstream: string;
    /** True when this process started moto_server. */
    readonly startedMoto: boolean;
    readonly region: string;
    /** Counts every AWS request the provider host makes. */
    readonly proxy: RecordingProxy;
    readonly fx: Fixtures;
    /** The project directory the host runs in (its node_modules links this package). */
    readonly project: string;
    /** The `__provider` string a program stores in each resource's state. */
    readonly provider: string;
}

/**
 * Starts moto unless AWS_ENDPOINT_URL names an emulator, a proxy in front of
 * it, and a linked project. Run `npm run build` first: the host loads `dist/`.
 */
export async function openLab(): Promise<Lab> {
    // Fake credentials: these scripts only ever talk to a local emulator.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey });
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    const given = process.env.AWS_ENDPOINT_URL;
    if (given === undefined) onExit(stopMoto);
    const upstream = given ?? (await startMoto()).endpoint;
    const proxy = await RecordingProxy.start(upstream, "moto");
    onExit(() => proxy.stop());
    const project = linkedProject();
    // Removes the link, not the repository it points to.
    onExit(() => fs.rmSync(project, { recursive: true, force: true }));
    const region = process.env.AWS_REGION ?? "us-east-1";
    return { upstream, startedMoto: given === undefined, region, proxy, fx: new Fixtures(upstream, region), project, provider: await registeredProvider() };
}

/**
 * A provider host as one `pulumi up`, `refresh` or `destroy` starts it: in the
 * project directory, every AWS call going through the proxy, configured with
 * `aws:region`. Stopped when the script ends unless stopped earlier.
 */
export async function startHost(lab: Lab): Promise<ProviderHost> {
    const host = await ProviderHost.start({
        cwd: lab.project,
        // Service-specific endpoints would bypass the proxy.
        env: { AWS_ENDPOINT_URL: lab.proxy.endpoint, AWS_ENDPOINT_URL_KMS: undefined, AWS_ENDPOINT_URL_TIMESTREAM_WRITE: undefined, AWS_PROFILE: undefined },
    });
    onExit(() => host.stop());
    await host.configure({ "aws:region": lab.region });
    return host;
}

/** Runs `work` with a fresh host (one Pulumi command), then stops the host. */
export async function withHost<T>(lab: Lab, work: (host: ProviderHost) => Promise<T>): Promise<T> {
    const host = await startHost(lab);
    try {
        return await work(host);
    } finally {
        await host.stop();
    }
}

/** A resource as the engine records it in state. */
export interface ResourceState {
    readonly name: string;
    readonly id: string;
    /** Inputs after check, `__provider` included. */
    readonly inputs: Props;
    readonly outputs: Props;
}

/** What `pulumi up`/`refresh`/`destroy` would print for a resource. */
export type Shown = "create" | "same" | "update" | "replace" | "delete";

/** The provider methods the engine calls for a resource. */
export type HostMethod = "check" | "diff" | "create" | "read" | "update" | "delete";

/** One gRPC call the engine made, its arguments as sent, and the AWS calls the provider made during it. */
export interface TracedCall {
    readonly method: HostMethod;
    readonly args: unknown[];
    readonly calls: RecordedCall[];
    /** The operations of `calls`, e.g. ["DescribeDatabase", "UpdateDatabase"]. */
    readonly aws: string[];
}

/**
 * Drives a host the way the Pulumi engine does for one resource. With a proxy,
 * it records each gRPC call and the AWS calls it caused; that trace is exact
 * only while calls run one at a time.
 */
export class Engine {
    readonly trace: TracedCall[] = [];

    constructor(
        private readonly host: ProviderHost,
        private readonly proxy?: RecordingProxy,
    ) {}

    /**
     * `pulumi up` for one resource: check, then create when there is no state,
     * else diff and, on changes, update, or replace: delete the old one first when the diff asks for
     * delete-before-replace (as every diff of this provider does), else create the replacement first.
     */
    async up(name: string, state: ResourceState | undefined, news: Props): Promise<{ state: ResourceState; shown: Shown }> {
        const urn = urnOf(name);
        const checked = await this.traced("check", urn, state?.inputs ?? {}, news);
        if (checked.failures.length > 0) throw new Error(`check failed: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
        const create = async () => {
            const created = await this.traced("create", urn, checked.inputs);
            return { name, id: created.id, inputs: checked.inputs, outputs: created.properties };
        };
        if (state === undefined) return { state: await create(), shown: "create" };
        const diff = await this.traced("diff", urn, state.id, state.outputs, checked.inputs);
        if (diff.changes === "DIFF_NONE") return { state: { ...state, inputs: checked.inputs }, shown: "same" };
        if (diff.replaces.length > 0) {
            if (diff.deleteBeforeReplace) await this.destroy(state);
            const replacement = await create();
            if (!diff.deleteBeforeReplace) await this.destroy(state);
            return { state: replacement, shown: "replace" };
        }
        const updated = await this.traced("update", urn, state.id, state.outputs, checked.inputs);
        return { state: { ...state, inputs: checked.inputs, outputs: updated.properties }, shown: "update" };
    }

    /** `pulumi refresh` for one resource: read; an empty id drops it from state. */
    async refresh(state: ResourceState): Promise<{ state: ResourceState | undefined; shown: Shown }> {
        const read = await this.traced("read", urnOf(state.name), state.id, state.outputs);
        if (read.id === "") return { state: undefined, shown: "delete" };
        const shown = JSON.stringify(read.properties) === JSON.stringify(state.outputs) ? "same" : "update";
        return { state: { ...state, outputs: read.properties }, shown };
    }

    /** `pulumi destroy` for one resource. */
    async destroy(state: ResourceState): Promise<Shown> {
        await this.traced("delete", urnOf(state.name), state.id, state.outputs);
        return "delete";
    }

    private async traced<M extends HostMethod>(method: M, ...args: Parameters<ProviderHost[M]>): Promise<Awaited<ReturnType<ProviderHost[M]>>> {
        const from = this.proxy?.calls.length ?? 0;
        try {
            return await (this.host[method] as (...a: unknown[]) => ReturnType<ProviderHost[M]>).apply(this.host, args);
        } finally {
            if (this.proxy !== undefined) {
                const calls = this.proxy.calls.slice(from);
                this.trace.push({ method, args, calls, aws: calls.map((c) => c.operation) });
            }
        }
    }
}

/** Runs `work` on every item with at most `limit` running at once; results in item order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
        for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i], i);
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}
