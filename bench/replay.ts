/**
 * The bench's two baselines for an operation, both made from the AWS calls the
 * operation made: a bare SDK script that sends those calls, and the host's
 * floor, which sends the same gRPC calls through the same host to a provider
 * that makes those AWS calls and nothing else.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProviderHost } from "../lab/host";
import type { TracedCall } from "../lab/lab";
import { TEST_CREDENTIALS } from "../lab/moto";
import type { RecordedCall } from "../lab/proxy";

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
 * await replay.bare(scheduled(proxy.calls.slice(from)));
 */
export function scheduled(calls: readonly RecordedCall[]): Replayed[] {
    return calls.map((call, i) => ({
        operation: call.operation,
        input: call.input,
        after: calls.slice(0, i).flatMap((earlier, j) => (earlier.answeredMs !== undefined && earlier.answeredMs <= call.arrivedMs ? [j] : [])),
    }));
}

/**
 * The calls as a set, whatever order they arrived in: equal for two runs that made the same calls.
 *
 * @example
 * if (callSet(floorCalls) !== callSet(providerCalls)) throw new Error("the floor made other calls");
 */
export function callSet(calls: readonly Pick<RecordedCall, "operation" | "input">[]): string {
    return JSON.stringify(calls.map((c) => JSON.stringify([c.operation, c.input])).sort());
}

/**
 * A CommonJS module: `replay(calls)` sends {@link scheduled} calls with plain SDK clients to `endpoint`; `handler()` is
 * a provider whose every method replays the `__calls` of its last argument (the news, inputs or state), then answers
 * as little as the host accepts. SDK packages are required by absolute path, from this repository: the host's project
 * links only this package.
 */
function replayModule(endpoint: string, region: string): string {
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
    ListTagsForResource: (input) => timestream.send(new ts.ListTagsForResourceCommand(input)),
    TagResource: (input) => timestream.send(new ts.TagResourceCommand(input)),
    UntagResource: (input) => timestream.send(new ts.UntagResourceCommand(input)),
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

/**
 * The replay module, written into the host's project: the bare SDK script runs it in this process, and the floor's
 * `__provider` is a one-line module that requires it, shorter than ours, so the floor carries no bigger state.
 *
 * @example
 * const replay = Replay.write(lab.project, lab.proxy.endpoint, lab.region);
 * await replay.onHost(host, engine.trace[0]);
 */
export class Replay {
    private constructor(
        private readonly file: string,
        /** The floor provider's `__provider`. */
        readonly provider: string,
    ) {}

    static write(dir: string, endpoint: string, region: string): Replay {
        const file = path.join(dir, "bench-replay.js");
        fs.writeFileSync(file, replayModule(endpoint, region));
        return new Replay(file, `exports.handler = () => require(${JSON.stringify(file)}).handler();`);
    }

    /** The bare SDK script: sends {@link scheduled} calls with plain clients. */
    bare(calls: Replayed[]): Promise<unknown> {
        return require(this.file).replay(calls);
    }

    /**
     * Sends the traced engine call to `host` again, with the floor as every property bag's provider and the AWS calls
     * it must make in the bag the provider method reads: the same engine call, minus what our provider does besides
     * those calls.
     */
    async onHost(host: ProviderHost, traced: TracedCall): Promise<void> {
        const bags = traced.args.flatMap((arg, i) => (typeof arg === "object" && arg !== null ? [i] : []));
        const args = traced.args.map((arg, i) =>
            bags.includes(i) ? { ...(arg as object), __provider: this.provider, ...(i === bags[bags.length - 1] ? { __calls: scheduled(traced.calls) } : {}) } : arg,
        );
        await (host[traced.method] as (...a: unknown[]) => Promise<unknown>).apply(host, args);
    }
}
