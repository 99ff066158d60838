/**
 * The bench's two baselines for an operation, both made from the AWS calls the
 * operation made: a bare SDK script that sends those calls, and the host's
 * floor, which sends the same gRPC calls through the same host to a provider
 * that makes those AWS calls and nothing else.
 */
import requireFromString from "require-from-string";
import type { ProviderHost } from "../lab/host";
import { TEST_CREDENTIALS } from "../lab/moto";
import type { RecordedCall, RecordingProxy } from "../lab/proxy";

/** The provider methods the engine calls for a resource. */
type HostMethod = "check" | "diff" | "create" | "read" | "update" | "delete";
const METHODS: readonly string[] = ["check", "diff", "create", "read", "update", "delete"] satisfies HostMethod[];

/** One gRPC call the engine made to the host, its arguments as sent, and the AWS calls the provider made during it. */
export interface HostCall {
    readonly method: HostMethod;
    readonly args: unknown[];
    readonly aws: RecordedCall[];
}

/** An AWS call as the replay sends it: after the earlier calls (by index) whose answer came before it was sent. */
export interface Replayed {
    readonly operation: string;
    readonly input: Record<string, unknown>;
    readonly after: number[];
}

/**
 * `calls` with the order the provider sent them in: each waits for the calls answered before it arrived, and goes
 * alongside the others, as the provider's concurrent calls did. Replaying them one by one would not be a floor.
 *
 * @example
 * await bare(scheduled(proxy.calls.slice(from)));
 */
export function scheduled(calls: readonly RecordedCall[]): Replayed[] {
    return calls.map((call, i) => ({
        operation: call.operation,
        input: call.input,
        after: calls.slice(0, i).flatMap((earlier, j) => (earlier.answeredMs !== undefined && earlier.answeredMs <= call.arrivedMs ? [j] : [])),
    }));
}

/**
 * A CommonJS module, loaded by the host or by require-from-string: `replay(calls)` sends {@link scheduled} calls with
 * plain SDK clients to `endpoint`; `handler()` is a provider whose every method replays the `__calls` of its
 * last argument (the news, inputs or state), then answers as little as the host accepts. SDK packages are required by
 * absolute path, from this repository: the host's project links only this package.
 *
 * @example
 * const { replay } = requireFromString(replayModule(lab.proxy.endpoint, lab.region));
 * await replay([{ operation: "DescribeKey", input: { KeyId: "alias/a" }, after: [] }]);
 */
export function replayModule(endpoint: string, region: string): string {
    const sdk = (pkg: string) => JSON.stringify(require.resolve(pkg));
    const config = JSON.stringify({ endpoint, region, credentials: TEST_CREDENTIALS });
    return `"use strict";
const ts = require(${sdk("@aws-sdk/client-timestream-write")});
const kms = require(${sdk("@aws-sdk/client-kms")});
const timestream = new ts.TimestreamWriteClient(${config});
const kmsClient = new kms.KMSClient(${config});
const sends = {
    DescribeDatabase: (input) => timestream.send(new ts.DescribeDatabaseCommand(input)),
    UpdateDatabase: (input) => timestream.send(new ts.UpdateDatabaseCommand(input)),
    DescribeKey: (input) => kmsClient.send(new kms.DescribeKeyCommand(input)),
};
const replay = (calls) => {
    const sent = [];
    for (const call of calls) {
        if (!sends[call.operation]) throw new Error("the replay cannot send " + call.operation);
        sent.push(Promise.all(call.after.map((i) => sent[i])).then(() => sends[call.operation](call.input)));
    }
    return Promise.all(sent);
};
exports.replay = replay;
exports.handler = () => ({
    check: async (olds, news) => (await replay(news.__calls), { inputs: news }),
    diff: async (id, olds, news) => (await replay(news.__calls), { changes: false }),
    create: async (inputs) => (await replay(inputs.__calls), { id: "floor", outs: inputs }),
    read: async (id, props) => (await replay(props.__calls), { id, props }),
    update: async (id, olds, news) => (await replay(news.__calls), { outs: news }),
    delete: async (id, props) => { await replay(props.__calls); },
});
`;
}

/** The bare SDK script: sends {@link scheduled} calls with plain clients. */
export function bareSdk(module: string): (calls: Replayed[]) => Promise<void> {
    return requireFromString(module).replay;
}

/**
 * `host`, appending each provider call and the AWS calls it caused to `log`; exact only while calls run one at a time.
 *
 * @example
 * const engine = new Engine(recordingHost(host, lab.proxy, log));
 */
export function recordingHost(host: ProviderHost, proxy: RecordingProxy, log: HostCall[]): ProviderHost {
    return new Proxy(host, {
        get(target, name, receiver) {
            const value = Reflect.get(target, name, receiver);
            if (typeof name !== "string" || !METHODS.includes(name)) return value;
            return async (...args: unknown[]) => {
                const from = proxy.calls.length;
                const result = await value.apply(target, args);
                log.push({ method: name as HostMethod, args, aws: proxy.calls.slice(from) });
                return result;
            };
        },
    });
}

/**
 * Sends `call` to `host` again with every property bag naming the floor provider (`module`) and the AWS calls it must
 * make: the same engine call, minus what our provider does besides those calls.
 */
export async function replayOnHost(host: ProviderHost, call: HostCall, module: string): Promise<void> {
    const __calls = scheduled(call.aws);
    const args = call.args.map((arg) => (typeof arg === "object" && arg !== null ? { ...arg, __provider: module, __calls } : arg));
    await (host[call.method] as (...a: unknown[]) => Promise<unknown>).apply(host, args);
}
