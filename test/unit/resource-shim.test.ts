/**
 * provider/resource.ts from the TypeScript sources (resource.test.ts tests the same text as built into dist/, loaded in
 * a project): the provider module, loaded as the host loads it, loads the real provider from the installed package on
 * its first call, once, and hands every call on; DatabaseKmsKey registers its inputs with that module under its own
 * type (issue 13).
 */
import Module = require("node:module");
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import requireFromString from "require-from-string";
import { ownerOf } from "../../provider/ownership";
import { DatabaseKmsKey, PROVIDER_MODULE } from "../../provider/resource";

const TYPE = "pulumi-nodejs:dynamic/timestream:DatabaseKmsKey";

const PACKAGE = "pulumi-timestream-kms/lifecycle";

/** A stand-in for the installed package's DatabaseKmsKeyProvider: records each call and answers with its name. */
class RecordingProvider {
    static made: RecordingProvider[] = [];
    readonly calls: [string, unknown[]][] = [];
    constructor() {
        RecordingProvider.made.push(this);
    }
}
for (const method of ["configure", "check", "diff", "create", "read", "update", "delete"]) {
    (RecordingProvider.prototype as any)[method] = function (this: RecordingProvider, ...args: unknown[]) {
        this.calls.push([method, args]);
        return Promise.resolve(`${method} answered`);
    };
}

/** The provider the host gets from the module text: require-from-string, then `handler()`. */
function loadProvider(): Required<pulumi.dynamic.ResourceProvider> {
    return requireFromString(PROVIDER_MODULE).handler();
}

describe("PROVIDER_MODULE (sources)", () => {
    const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
    const load = loader._load;
    let installed: boolean;

    // `require` of the package gives the stand-in while `installed`, and fails as Node fails otherwise. Hooked at
    // _load, before Node's cache of how a module without a file name (the host's) resolved a request.
    beforeEach(() => {
        installed = true;
        RecordingProvider.made = [];
        loader._load = function (this: unknown, request: string, ...rest: unknown[]) {
            if (request !== PACKAGE) return load.call(this, request, ...rest);
            if (!installed) {
                throw Object.assign(new Error(`Cannot find module '${PACKAGE}'\nRequire stack:\n- /project/index.js`), { code: "MODULE_NOT_FOUND" });
            }
            return { DatabaseKmsKeyProvider: RecordingProvider };
        };
    });

    afterEach(() => {
        loader._load = load;
    });

    it("loads nothing until its first call", () => {
        loadProvider();
        expect(RecordingProvider.made).to.have.length(0);
    });

    it("hands every call, with its arguments, to one provider it loads from the package, and returns its answer", async () => {
        const provider = loadProvider();
        const config = { config: { get: () => undefined } } as unknown as pulumi.dynamic.ConfigureRequest;
        const answers = [
            await provider.configure(config),
            await provider.check({ a: 1 }, { b: 2 }),
            await provider.diff("id-1", { c: 3 }, { d: 4 }),
            await provider.create({ e: 5 }),
            await provider.read("id-2", { f: 6 }),
            await provider.update("id-3", { g: 7 }, { h: 8 }),
            await provider.delete("id-4", { i: 9 }),
        ];
        expect(answers).to.deep.equal(["configure", "check", "diff", "create", "read", "update", "delete"].map((m) => `${m} answered`));
        expect(RecordingProvider.made).to.have.length(1);
        expect(RecordingProvider.made[0].calls).to.deep.equal([
            ["configure", [config]],
            ["check", [{ a: 1 }, { b: 2 }]],
            ["diff", ["id-1", { c: 3 }, { d: 4 }]],
            ["create", [{ e: 5 }]],
            ["read", ["id-2", { f: 6 }]],
            ["update", ["id-3", { g: 7 }, { h: 8 }]],
            ["delete", ["id-4", { i: 9 }]],
        ]);
    });

    it("gives each handler() its own provider", async () => {
        const [first, second] = [loadProvider(), loadProvider()];
        await first.create!({});
        await second.create!({});
        await first.delete!("id", {});
        expect(RecordingProvider.made).to.have.length(2);
        expect(RecordingProvider.made.map((p) => p.calls.map(([method]) => method))).to.deep.equal([["create", "delete"], ["create"]]);
    });

    it("says how to install the package when the project lacks it, without Node's require stack", () => {
        installed = false;
        const provider = loadProvider();
        expect(() => provider.check!({}, {}))
            .to.throw(Error, `DatabaseKmsKey: cannot load the package pulumi-timestream-kms from this project (Error: Cannot find module '${PACKAGE}').`)
            .with.property("message")
            .that.includes("npm install pulumi-timestream-kms")
            .and.does.not.include("Require stack");
        expect(RecordingProvider.made).to.have.length(0);
    });

    it("loads the package on a later call once it is installed", async () => {
        installed = false;
        const provider = loadProvider();
        expect(() => provider.create!({})).to.throw(/cannot load the package/);
        installed = true;
        expect(await provider.create!({ e: 5 })).to.equal("create answered");
        expect(RecordingProvider.made.map((p) => p.calls)).to.deep.equal([[["create", [{ e: 5 }]]]]);
    });
});

describe("DatabaseKmsKey (sources)", () => {
    interface Registration {
        type: string;
        name: string;
        inputs: Record<string, unknown>;
    }
    let registered: Registration[];

    beforeEach(async () => {
        registered = [];
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                    return { id: args.name, state: args.inputs };
                },
                call: () => ({}),
            },
            "project",
            "stack",
            false,
        );
    });

    async function registerAll(...resources: DatabaseKmsKey[]): Promise<Registration[]> {
        await Promise.all(resources.map((r) => new Promise<void>((resolve) => r.urn.apply(() => resolve()))));
        return registered;
    }

    it("registers its type and every input given, with the provider module as __provider", async () => {
        const args = { databaseName: "metrics", kmsKeyId: "alias/metrics", region: "eu-west-1", endpoint: "http://127.0.0.1:5000/", onDelete: "restore" as const };
        const [registration] = await registerAll(new DatabaseKmsKey("key", args));
        expect(registration).to.include({ type: "pulumi-nodejs:dynamic/timestream:DatabaseKmsKey", name: "key" });
        const { __provider: provider, ...inputs } = registration.inputs;
        expect(inputs).to.deep.equal({ ...args, owner: ownerOf({ project: "project", stack: "stack", type: TYPE, name: "key" }) });
        expect(provider).to.equal(PROVIDER_MODULE);
    });

    it("records the organization in the owner when the CLI gives one", async () => {
        await pulumi.runtime.setMocks({ newResource: (args) => (registered.push(args), { id: args.name, state: args.inputs }), call: () => ({}) }, "project", "stack", false, "acme");
        const [registration] = await registerAll(new DatabaseKmsKey("key", { databaseName: "metrics", kmsKeyId: "alias/metrics" }));
        expect(registration.inputs.owner).to.equal(ownerOf({ organization: "acme", project: "project", stack: "stack", type: TYPE, name: "key" }));
    });

    it("gives two resources of one name under two parents two owners, each hashing its parent's URN", async () => {
        const parents = ["a", "b"].map((name) => new pulumi.ComponentResource("my:index:Component", name));
        const keys = parents.map((parent) => new DatabaseKmsKey("key", { databaseName: "metrics", kmsKeyId: "alias/metrics" }, { parent }));
        await registerAll(...keys);
        const recorded = registered.filter((r) => r.type === TYPE).map((r) => r.inputs.owner);
        const expected = ["a", "b"].map((parent) =>
            ownerOf({ project: "project", stack: "stack", parentUrn: `urn:pulumi:stack::project::my:index:Component::${parent}`, type: TYPE, name: "key" }),
        );
        expect(recorded.sort()).to.deep.equal(expected.sort());
        expect(expected[0]).to.not.equal(expected[1]);
    });

    it("registers only the inputs given, leaving the outputs to the provider", async () => {
        const [registration] = await registerAll(new DatabaseKmsKey("key", { databaseName: "metrics", kmsKeyId: "alias/metrics" }));
        expect(Object.keys(registration.inputs).sort()).to.deep.equal(["__provider", "databaseName", "kmsKeyId", "owner"]);
    });

    it("gives every resource the same provider module", async () => {
        const both = await registerAll(
            new DatabaseKmsKey("a", { databaseName: "one", kmsKeyId: "alias/one" }),
            new DatabaseKmsKey("b", { databaseName: "two", kmsKeyId: "alias/two" }),
        );
        expect(both.map((r) => r.name).sort()).to.deep.equal(["a", "b"]);
        expect(both[0].inputs.__provider).to.equal(both[1].inputs.__provider);
    });
});
