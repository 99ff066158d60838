/**
 * Setup shared by the integration and engine suites: the built provider (what
 * ships), moto, a {@link RecordingProxy} in front of it that the provider's AWS
 * traffic goes through, fixtures made straight in moto so the proxy does not
 * count them, and for engine suites a provider host.
 */
import * as fs from "node:fs";
import type * as lifecycle from "../../provider/lifecycle";
import type * as aws from "../../provider/aws";
import { Fixtures } from "../../lab/fixtures";
import { Moto, motoOrSkip } from "../../lab/moto";
import { ProxyMode, RecordingProxy } from "../../lab/proxy";
import { linkedProject, ownerFor, ProviderHost, registeredProvider } from "../../lab/host";
import { configured, REGION, rejectionOfType } from "./common";

export { REGION };
/** A second region, for region input and two-region tests. */
export const OTHER_REGION = "us-west-2";

/**
 * The `owner` input the integration suites send, as every program's DatabaseKmsKey does: the owner a resource named
 * "database-key" in the test stack records (see `ownerFor`).
 */
export const OWNER = ownerFor("database-key");

/** The tag keys of the ownership claim, spelled out: what TagResource writes and UntagResource removes. */
export const CLAIM_TAG_KEYS = ["pulumi-timestream-kms:owner", "pulumi-timestream-kms:original-key"];

/**
 * The tags of the claim `owner` records on a database whose key was `originalKeyArn` before its first owner took it,
 * as TagResource sends them.
 *
 * @example
 * expect(inputsOf(env.proxy, "TagResource")).to.deep.equal([{ ResourceARN: outs.databaseArn, Tags: claimTags(previous.arn) }]);
 */
export function claimTags(originalKeyArn: string, owner = OWNER): { Key: string; Value: string }[] {
    return [
        { Key: CLAIM_TAG_KEYS[0], Value: owner },
        { Key: CLAIM_TAG_KEYS[1], Value: originalKeyArn },
    ];
}

/** The request bodies of every `operation` the proxy saw, in the order they arrived. */
export function inputsOf(proxy: RecordingProxy, operation: string): Record<string, unknown>[] {
    return proxy.calls.filter((c) => c.operation === operation).map((c) => c.input);
}

/** The built package's lifecycle module (run `npm run build` first): the code users get. */
export const built = require("../../dist/lifecycle") as typeof lifecycle;
/** The built package's AWS module, for `DatabaseKmsKeyError`. */
export const builtAws = require("../../dist/aws") as typeof aws;

/** What a proxied suite works with; filled in by its `before` hook. */
export interface ProxiedMoto {
    readonly moto: Moto;
    /** Sees every AWS request the provider makes; calls and faults are forgotten before each test. */
    readonly proxy: RecordingProxy;
    /** Fixtures in {@link REGION}, made straight in moto. */
    readonly fx: Fixtures;
}

/**
 * Registers hooks on the calling `describe` block: moto (or the block skipped
 * when moto is missing, see `motoOrSkip`), a proxy in `mode` in front of it,
 * and `AWS_ENDPOINT_URL` pointing at the proxy while the block runs, so every
 * client the provider makes (Timestream and KMS) goes through the proxy.
 * Returns an object whose fields are set once the `before` hook has run.
 *
 * @example
 * describe("lifecycle", () => {
 *     const env = proxiedMoto("aws");
 *     it("adopts", async () => { const key = await env.fx.createKey(); … env.proxy.operations() … });
 * });
 */
export function proxiedMoto(mode: ProxyMode): ProxiedMoto {
    const env = {} as { -readonly [K in keyof ProxiedMoto]: ProxiedMoto[K] };
    const savedEndpoint = process.env.AWS_ENDPOINT_URL;
    before(async function () {
        env.moto = await motoOrSkip(this);
        env.proxy = await RecordingProxy.start(env.moto.endpoint, mode);
        env.fx = new Fixtures(env.moto.endpoint, REGION);
        process.env.AWS_ENDPOINT_URL = env.proxy.endpoint;
    });
    beforeEach(() => env.proxy.reset());
    after(async () => {
        // Skipped suites never started a proxy nor changed the environment.
        if (env.proxy === undefined) return;
        restoreEnv("AWS_ENDPOINT_URL", savedEndpoint);
        await env.proxy.stop();
    });
    return env;
}

/** Where a hosted suite's provider host runs, and what it is given. */
export interface HostSetup {
    /** The user's project: the host's working directory. */
    readonly project: string;
    /** The `__provider` string the program stored. */
    readonly provider: string;
    /** Where the host's `@pulumi/pulumi` comes from, when not the project. */
    readonly pulumiFrom?: string;
    /** A temporary directory to remove when the suite ends. */
    readonly removeAfter?: string;
}

/** What a hosted suite works with; filled in by its `before` hook. */
export interface HostedMoto extends ProxiedMoto, HostSetup {
    /** The real dynamic-provider host, configured with `aws:region` = {@link REGION}, its AWS traffic through the proxy. */
    readonly host: ProviderHost;
    /**
     * Another host in the same project, as another `pulumi up` (or another stack's) starts one: its AWS traffic through
     * the proxy, configured with `aws:region` and `config`; stopped when the suite ends.
     */
    startHost(config?: Record<string, string>, extraEnv?: Record<string, string | undefined>): Promise<ProviderHost>;
}

/**
 * {@link proxiedMoto} in "aws" mode (key ARNs in answers, as real AWS gives
 * them) plus one provider host for the whole suite, started in the project
 * `prepare` makes, as the engine starts it.
 *
 * @example
 * const env = hostedMoto(async () => ({ project: linkedProject(), provider: await registeredProvider() }));
 */
export function hostedMoto(prepare: () => Promise<HostSetup>): HostedMoto {
    const env = proxiedMoto("aws") as { -readonly [K in keyof HostedMoto]: HostedMoto[K] };
    const others: ProviderHost[] = [];
    env.startHost = async (config = {}, extraEnv = {}) => {
        const host = await ProviderHost.start({ cwd: env.project, pulumiFrom: env.pulumiFrom, env: { AWS_ENDPOINT_URL: env.proxy.endpoint, ...extraEnv } });
        others.push(host);
        await host.configure({ "aws:region": REGION, ...config });
        return host;
    };
    before(async () => {
        Object.assign(env, await prepare());
        env.host = await env.startHost();
    });
    after(async () => {
        await Promise.all(others.map((h) => h.stop()));
        if (env.removeAfter) fs.rmSync(env.removeAfter, { recursive: true, force: true });
    });
    return env;
}

type Inputs = lifecycle.DatabaseKmsKeyInputs;
type Outputs = lifecycle.DatabaseKmsKeyOutputs;

/**
 * The provider's methods typed as this provider really answers them (Pulumi's
 * interface leaves `outs`, `props` and `failures` optional).
 */
export interface TestedProvider {
    check(olds: Partial<Inputs>, news: Partial<Inputs>): Promise<{ inputs: Inputs; failures: { property: string; reason: string }[] }>;
    diff(id: string, olds: Outputs, news: Inputs): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace?: boolean }>;
    create(inputs: Inputs): Promise<{ id: string; outs: Outputs }>;
    read(id: string, props: Outputs): Promise<{ id: string; props: Outputs }>;
    update(id: string, olds: Outputs, news: Inputs): Promise<{ outs: Outputs }>;
    delete(id: string, props: Outputs): Promise<void>;
}

/**
 * {@link hostedMoto} with the host in a throwaway project linked to this repository, given the provider a program
 * registers: the setup most hosted suites share.
 *
 * @example
 * const env = linkedHostedMoto();
 */
export function linkedHostedMoto(): HostedMoto {
    return hostedMoto(async () => {
        const project = linkedProject();
        return { project, removeAfter: project, provider: await registeredProvider() };
    });
}

/**
 * A new provider instance from the built package (so with its own clients and
 * DescribeKey cache), configured as the host does with this stack config.
 */
export async function configuredProvider(config: Record<string, string> = { "aws:region": REGION }): Promise<TestedProvider> {
    return (await configured(new built.DatabaseKmsKeyProvider(), config)) as unknown as TestedProvider;
}

/** Sets `name` back to `value`, deleting it when `value` is undefined. */
export function restoreEnv(name: string, value: string | undefined): void {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
}

/** The {@link aws.DatabaseKmsKeyError} `promise` rejects with; throws when it resolves or rejects with anything else. */
export function rejectionOf(promise: Promise<unknown>): Promise<aws.DatabaseKmsKeyError> {
    return rejectionOfType(promise, builtAws.DatabaseKmsKeyError);
}
