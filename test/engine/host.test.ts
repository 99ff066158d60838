/**
 * The engine protocol: the real `@pulumi/pulumi` dynamic-provider host, given the `__provider` string a program
 * stores, driven over gRPC in the order and shape the Pulumi engine uses, against moto behind a recording proxy in
 * "aws" mode (key ARNs in answers, as real AWS gives them). Asserts what the engine sees and the AWS calls made.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { Fixtures, uniqueName } from "../../lab/fixtures";
import { linkedProject, ownerFor, Props, ProviderHost, registeredProvider, UNKNOWN, urnOf } from "../../lab/host";
import { CLAIM_TAG_KEYS, claimTags, hostedMoto, inputsOf, OTHER_REGION, REGION, restoreEnv } from "../support/integration";
import { RecordingProxy } from "../../lab/proxy";

const REPO = path.resolve(__dirname, "..", "..");

// Each resource's state holds the provider module, so it must stay small (issue 12); the implementation (keys.js alone is
// over 5 KB) or an AWS SDK object carried along would break this at once.
const MAX_PROVIDER_BYTES = 2048;

/** Distinctive credentials in the environment while the program registers the resource. */
const CREDENTIALS = {
    AWS_ACCESS_KEY_ID: "AKIAHOSTTESTCANARY42",
    AWS_SECRET_ACCESS_KEY: "host-test-secret-canary-7d1f0c",
    AWS_SESSION_TOKEN: "host-test-session-canary-93be21",
};

/** Runs `fn` with `vars` set in process.env, then puts the environment back. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
    Object.assign(process.env, vars);
    try {
        return await fn();
    } finally {
        for (const [name, value] of Object.entries(saved)) restoreEnv(name, value);
    }
}

/** The package at `version`, built from provider/ into a new directory `dir/<name>` (package.json, dist/, node_modules linked). */
async function buildCopy(dir: string, name: string, version: string): Promise<string> {
    const copy = path.join(dir, name);
    fs.mkdirSync(copy);
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    fs.writeFileSync(path.join(copy, "package.json"), JSON.stringify({ ...manifest, version }));
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(copy, "node_modules"), "dir");
    const tsc = require.resolve("typescript/bin/tsc");
    // Declarations and source maps play no part in what is registered; leaving them out saves time.
    const options = ["--outDir", path.join(copy, "dist"), "--declaration", "false", "--sourceMap", "false"];
    await promisify(execFile)(process.execPath, [tsc, "-p", path.join(REPO, "tsconfig.json"), ...options]);
    return copy;
}

describe("provider host (engine protocol)", function () {
    const env = hostedMoto(async () => {
        const project = linkedProject();
        return { project, removeAfter: project, provider: await withEnv(CREDENTIALS, () => registeredProvider()) };
    });
    let provider: string;
    let proxy: RecordingProxy;
    let host: ProviderHost;
    let fx: Fixtures;
    before(() => ({ provider, proxy, host, fx } = env));

    /** A database on its own key, adopted through the host with a second key; the proxy's record starts empty. */
    async function adopted(extra: Props = {}) {
        const [original, key] = await Promise.all([fx.createKey(), fx.createKey()]);
        const db = await fx.createDatabase(original.arn);
        const urn = urnOf(db.DatabaseName);
        const inputs = { databaseName: db.DatabaseName, kmsKeyId: key.id, owner: ownerFor(db.DatabaseName), ...extra, __provider: provider };
        const { id, properties: state } = await host.create(urn, inputs);
        proxy.reset();
        return { original, key, db, urn, inputs, id, state };
    }

    describe("check", () => {
        it("accepts valid inputs and returns them with the provider, after one DescribeKey", async () => {
            const key = await fx.createKey();
            const news = { databaseName: "metrics", kmsKeyId: key.arn, onDelete: "restore", owner: ownerFor("metrics"), __provider: provider };

            const { inputs, failures } = await host.check(urnOf("metrics"), {}, news);

            expect(failures).to.deep.equal([]);
            expect(inputs).to.deep.equal(news);
            expect(proxy.calls.map((c) => [c.operation, c.input])).to.deep.equal([["DescribeKey", { KeyId: key.arn }]]);
        });

        it("names the property of each bad input, before any AWS call", async () => {
            const bad = { databaseName: "x!", kmsKeyId: "orders", region: "moon-1", endpoint: "ftp://timestream", onDelete: "destroy" };

            // The owner is the one a program gives the resource, so only the inputs above fail.
            const { failures } = await host.check(urnOf("bad"), {}, { ...bad, owner: ownerFor("bad"), __provider: provider });

            expect(failures.map((f) => f.property)).to.deep.equal(Object.keys(bad));
            for (const { property, reason } of failures) expect(reason).to.include(bad[property as keyof typeof bad]);
            expect(proxy.calls).to.deep.equal([]);
        });

        it("passes values still unknown during preview, without an AWS call", async () => {
            const news = { databaseName: UNKNOWN, kmsKeyId: UNKNOWN, region: UNKNOWN, onDelete: UNKNOWN, owner: ownerFor("unknown"), __provider: provider };

            const { failures } = await host.check(urnOf("unknown"), {}, news);

            expect(failures).to.deep.equal([]);
            expect(proxy.calls).to.deep.equal([]);
        });

        it("names kmsKeyId when the key is disabled, so preview shows it", async () => {
            const key = await fx.createKey();
            await fx.disableKey(key);

            const { failures } = await host.check(urnOf("disabled"), {}, { databaseName: "metrics", kmsKeyId: key.id, owner: ownerFor("disabled"), __provider: provider });

            expect(failures.map((f) => f.property)).to.deep.equal(["kmsKeyId"]);
            expect(failures[0].reason).to.include("Disabled");
            expect(proxy.operations()).to.deep.equal(["DescribeKey"]);
        });
    });

    describe("create", () => {
        it("adopts the database: the id is its name and the outputs carry both key ARNs and the provider", async () => {
            const [original, key] = await Promise.all([fx.createKey(), fx.createKey()]);
            const db = await fx.createDatabase(original.arn);

            const owner = ownerFor(db.DatabaseName);
            const { id, properties } = await host.create(urnOf(db.DatabaseName), { databaseName: db.DatabaseName, kmsKeyId: key.id, owner, __provider: provider });

            expect(id).to.equal(db.DatabaseName);
            expect(properties).to.include({
                databaseName: db.DatabaseName,
                kmsKeyId: key.id,
                region: REGION,
                onDelete: "retain",
                databaseArn: db.Arn,
                kmsKeyArn: key.arn,
                previousKmsKeyArn: original.arn,
                keyManager: "CUSTOMER",
                keyState: "Enabled",
                owner,
                __provider: provider,
            });
            expect(proxy.operations().sort()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "ListTagsForResource", "TagResource", "UpdateDatabase"]);
            // The claim, with the key the database had, is written before the key.
            expect(proxy.operations().slice(2)).to.deep.equal(["ListTagsForResource", "TagResource", "ListTagsForResource", "UpdateDatabase"]);
            expect(inputsOf(proxy, "TagResource")).to.deep.equal([{ ResourceARN: db.Arn, Tags: claimTags(original.arn, owner) }]);
            expect(proxy.calls.find((c) => c.operation === "UpdateDatabase")!.input).to.deep.equal({ DatabaseName: db.DatabaseName, KmsKeyId: key.arn });
            expect(await fx.liveKey(db.DatabaseName)).to.equal(key.arn);
        });

        it("makes no UpdateDatabase when the database already uses the key, named by its alias", async () => {
            const key = await fx.createKey();
            const alias = await fx.createAlias(key);
            const db = await fx.createDatabase(key.arn);

            const owner = ownerFor(db.DatabaseName);
            const { id, properties } = await host.create(urnOf(db.DatabaseName), { databaseName: db.DatabaseName, kmsKeyId: alias.name, owner, __provider: provider });

            expect(id).to.equal(db.DatabaseName);
            expect(properties).to.include({ kmsKeyArn: key.arn, previousKmsKeyArn: key.arn, owner });
            // The claim is recorded all the same.
            expect(proxy.operations().sort()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "ListTagsForResource", "TagResource"]);
            expect(inputsOf(proxy, "TagResource")).to.deep.equal([{ ResourceARN: db.Arn, Tags: claimTags(key.arn, owner) }]);
        });

        it("fails naming the database when it does not exist, and writes nothing", async () => {
            const key = await fx.createKey();
            const name = uniqueName("missing");

            const error = await host.create(urnOf(name), { databaseName: name, kmsKeyId: key.id, owner: ownerFor(name), __provider: provider }).then(
                () => undefined,
                (e: Error) => e,
            );

            expect(error?.message).to.include(`database "${name}"`).and.include("does not exist");
            expect(proxy.operations().sort()).to.deep.equal(["DescribeDatabase", "DescribeKey"]);
        });
    });

    describe("diff", () => {
        it("reports DIFF_NONE for the same key as key ID, key ARN, alias and alias ARN, with no Timestream call", async () => {
            const { key, id, urn, inputs, state } = await adopted();
            const alias = await fx.createAlias(key);

            for (const kmsKeyId of [key.id, key.arn, alias.name, alias.arn]) {
                expect(await host.diff(urn, id, state, { ...inputs, kmsKeyId }), kmsKeyId).to.deep.equal({
                    changes: "DIFF_NONE",
                    replaces: [],
                    deleteBeforeReplace: true,
                });
            }
            // Key IDs and ARNs compare locally; the alias is resolved in each diff, as no answer outlives its operation.
            expect(proxy.calls.map((c) => [c.operation, c.input.KeyId])).to.deep.equal([
                ["DescribeKey", alias.name],
                ["DescribeKey", alias.arn],
            ]);
        });

        it("reports DIFF_SOME, an in-place update, for another key, without an AWS call", async () => {
            const { id, urn, inputs, state } = await adopted();
            const other = await fx.createKey();

            expect(await host.diff(urn, id, state, { ...inputs, kmsKeyId: other.arn })).to.deep.equal({
                changes: "DIFF_SOME",
                replaces: [],
                deleteBeforeReplace: true,
            });
            expect(proxy.calls).to.deep.equal([]);
        });

        it("replaces when databaseName changes, without an AWS call", async () => {
            const { id, urn, inputs, state } = await adopted();

            const diff = await host.diff(urn, id, state, { ...inputs, databaseName: uniqueName("renamed") });

            expect(diff).to.deep.include({ changes: "DIFF_SOME", replaces: ["databaseName"] });
            expect(proxy.calls).to.deep.equal([]);
        });

        it("replaces when the region changes, without an AWS call", async () => {
            const { id, urn, inputs, state } = await adopted();

            const diff = await host.diff(urn, id, state, { ...inputs, region: OTHER_REGION });

            expect(diff).to.deep.include({ changes: "DIFF_SOME", replaces: ["region"] });
            expect(proxy.calls).to.deep.equal([]);
        });
    });

    describe("update", () => {
        it("rotates to another key with one UpdateDatabase and keeps the key the database had first", async () => {
            const { original, db, id, urn, inputs, state } = await adopted();
            const next = await fx.createKey();

            const { properties } = await host.update(urn, id, state, { ...inputs, kmsKeyId: next.arn });

            expect(properties).to.include({ kmsKeyId: next.arn, kmsKeyArn: next.arn, previousKmsKeyArn: original.arn, owner: inputs.owner, __provider: provider });
            // The claim is checked before the write; already this resource's, it is not written again.
            expect(proxy.operations().sort()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "UpdateDatabase"]);
            expect(proxy.operations().slice(2)).to.deep.equal(["ListTagsForResource", "UpdateDatabase"]);
            expect(await fx.liveKey(db.DatabaseName)).to.equal(next.arn);
        });

        it("changes only onDelete without an AWS call when the key is unchanged", async () => {
            const { key, db, id, urn, inputs, state } = await adopted();

            const { properties } = await host.update(urn, id, state, { ...inputs, onDelete: "restore" });

            expect(properties).to.include({ onDelete: "restore", kmsKeyArn: key.arn });
            expect(proxy.calls).to.deep.equal([]);
            expect(await fx.liveKey(db.DatabaseName)).to.equal(key.arn);
        });
    });

    describe("read", () => {
        it("reports a key changed out of band as drift, which the next update repairs", async () => {
            const { original, key, db, id, urn, inputs, state } = await adopted();
            const other = await fx.createKey();
            await fx.setDatabaseKey(db.DatabaseName, other.arn);

            const read = await host.read(urn, id, state);

            expect(read.id).to.equal(id);
            expect(read.properties).to.include({ kmsKeyArn: other.arn, previousKmsKeyArn: original.arn, keyState: "Enabled", owner: inputs.owner, __provider: provider });
            expect(proxy.operations()).to.deep.equal(["DescribeDatabase", "DescribeKey"]);

            proxy.reset();
            expect(await host.diff(urn, id, read.properties, inputs)).to.deep.include({ changes: "DIFF_SOME", replaces: [] });
            const { properties } = await host.update(urn, id, read.properties, inputs);
            expect(properties).to.include({ kmsKeyArn: key.arn, previousKmsKeyArn: original.arn });
            // The key to write is described afresh by the update: the create's answer did not outlive the create. The claim
            // is checked, and is still this resource's.
            expect(proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "UpdateDatabase"]);
            expect(await fx.liveKey(db.DatabaseName)).to.equal(key.arn);
        });

        it("returns an empty id when the database was deleted out of band, so refresh drops it", async () => {
            const { db, id, urn, state } = await adopted();
            await fx.deleteDatabase(db.DatabaseName);

            const read = await host.read(urn, id, state);

            expect(read).to.deep.equal({ id: "", properties: { __provider: provider } });
            // GetCallerIdentity: the credentials are of the database's own account, so it really is gone.
            expect(proxy.operations()).to.deep.equal(["DescribeDatabase", "GetCallerIdentity"]);
        });
    });

    describe("delete", () => {
        it("puts the previous key back with onDelete restore, then releases its claim", async () => {
            const { original, db, id, urn, state } = await adopted({ onDelete: "restore" });

            await host.delete(urn, id, state);

            expect(proxy.operations()).to.deep.equal(["ListTagsForResource", "DescribeDatabase", "DescribeKey", "UpdateDatabase", "UntagResource"]);
            expect(inputsOf(proxy, "UpdateDatabase")).to.deep.equal([{ DatabaseName: db.DatabaseName, KmsKeyId: original.arn }]);
            expect(inputsOf(proxy, "UntagResource")).to.deep.equal([{ ResourceARN: db.Arn, TagKeys: CLAIM_TAG_KEYS }]);
            expect(await fx.liveKey(db.DatabaseName)).to.equal(original.arn);
        });

        it("leaves the key alone with onDelete retain, releasing its claim with ListTagsForResource and UntagResource only", async () => {
            const { key, db, id, urn, state } = await adopted();

            await host.delete(urn, id, state);

            // No DescribeDatabase, DescribeKey or UpdateDatabase: the key is not touched.
            expect(proxy.operations()).to.deep.equal(["ListTagsForResource", "UntagResource"]);
            expect(inputsOf(proxy, "UntagResource")).to.deep.equal([{ ResourceARN: db.Arn, TagKeys: CLAIM_TAG_KEYS }]);
            expect(await fx.liveKey(db.DatabaseName)).to.equal(key.arn);
        });
    });

    describe("the repository as a Pulumi project", () => {
        // `pulumi up` at the root runs the host in the root or in examples/ (Pulumi.yaml's main); the module's require
        // must resolve there through the devDependency "pulumi-timestream-kms": "file:.".
        for (const dir of [".", "examples"]) {
            it(`loads the provider when the host runs in ${dir === "." ? "the repository root" : dir + "/"}`, async () => {
                const rootHost = await ProviderHost.start({ cwd: path.join(REPO, dir), env: { AWS_ENDPOINT_URL: proxy.endpoint } });
                try {
                    await rootHost.configure({ "aws:region": REGION });
                    const news = { databaseName: "metrics", kmsKeyId: UNKNOWN, owner: ownerFor("metrics"), __provider: provider };

                    const { failures } = await rootHost.check(urnOf("metrics"), {}, news);

                    expect(failures).to.deep.equal([]);
                    expect(proxy.calls).to.deep.equal([]);
                } finally {
                    await rootHost.stop();
                }
            });
        }
    });

    describe("the provider module", () => {
        it(`stays within ${MAX_PROVIDER_BYTES} bytes`, () => {
            expect(Buffer.byteLength(provider)).to.be.at.most(MAX_PROVIDER_BYTES);
        });

        it("is the text pinned in test/fixtures/provider-module.js, byte for byte", () => {
            // Every resource's state holds this text: a change to it, a comment included, changes every state.
            const pinned = fs.readFileSync(path.join(REPO, "test", "fixtures", "provider-module.js"), "utf8");
            expect(provider === pinned, "the registered provider module differs from the pinned one: if on purpose, update the fixture").to.equal(true);
        });

        it("carries no credential from the environment", () => {
            for (const [name, secret] of Object.entries(CREDENTIALS)) expect(provider, name).to.not.include(secret);
        });

        it("is byte-identical across two versions built in different directories", async function () {
            this.timeout(60_000);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-builds-"));
            try {
                // An upgrade must not change every resource's state: nothing of the version may reach the text.
                const [first, second] = await Promise.all([buildCopy(dir, "first", "0.1.0"), buildCopy(dir, "second", "9.8.7")]);
                // One at a time: each one sets Pulumi's mocks.
                const a = await registeredProvider(first);
                const b = await registeredProvider(second);
                expect(a).to.include('require("pulumi-timestream-kms/lifecycle")');
                expect(a === b, "the two builds register different providers").to.equal(true);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});
