/**
 * The ownership claim through the real dynamic-provider host against moto (issue 17): two resources or two stacks on
 * one database, a host killed right after UpdateDatabase landed, release and adoption by another stack, takeOver,
 * tagging denied, and recordOwnership: false. Each test plays the engine with `Engine` (check, then create, diff,
 * update or delete), as `pulumi up` and `pulumi destroy` would.
 */
import { expect } from "chai";
import { Fixtures } from "../../lab/fixtures";
import { ownerFor, ProviderHost } from "../../lab/host";
import { RecordingProxy } from "../../lab/proxy";
import { OWNER_TAG } from "../../provider/ownership";
import { linkedHostedMoto } from "../support/integration";
import { claimableDatabase, failureOf, stackOf as stacks } from "../support/stacks";


describe("provider host: one owner per database", function () {
    const env = linkedHostedMoto();
    let provider: string;
    let proxy: RecordingProxy;
    let fx: Fixtures;
    before(() => ({ provider, proxy, fx } = env));

    /** The engine of one stack's `pulumi up`; `stack` names the stack in the owner the program sends. */
    const stackOf = (host: ProviderHost, stack: string) => stacks(host, proxy, provider, stack);
    const database = () => claimableDatabase(fx);

    /** The owner tag moto holds for the database now. */
    async function ownerTag(db: string): Promise<string | undefined> {
        const arn = (await fx.describeDatabase(db))!.Arn!;
        return (await fx.tags(arn)).find((t) => t.Key === OWNER_TAG)?.Value;
    }

    it("lets one of two resources of one stack, created at once, adopt the database, and refuses the other without a write", async () => {
        const { a, b, db } = await database();
        const { engine, inputs } = stackOf(env.host, "test");

        const results = await Promise.allSettled([engine.up("key-a", undefined, inputs("key-a", db, a)), engine.up("key-b", undefined, inputs("key-b", db, b))]);

        const won = results.findIndex((r) => r.status === "fulfilled");
        expect(results.map((r) => r.status).sort()).to.deep.equal(["fulfilled", "rejected"]);
        const [winner, loser] = won === 0 ? ["key-a", "key-b"] : ["key-b", "key-a"];
        const refused = (results[1 - won] as PromiseRejectedResult).reason as Error;
        expect(refused.message).to.include(`the database is claimed by resource "${winner}" of stack "test"`).and.include("takeOver: true");
        expect(refused.message).to.not.include(`resource "${loser}"`);
        expect(await fx.liveKey(db)).to.equal((won === 0 ? a : b).arn);
        expect(proxy.count("UpdateDatabase")).to.equal(1);
        expect(proxy.count("TagResource")).to.equal(1);
        expect(await ownerTag(db)).to.equal(ownerFor(winner));
    });

    it("refuses a second stack in another host while the first holds the database, and lets it adopt once the first releases it", async () => {
        const { original, a, b, db } = await database();
        const dev = stackOf(env.host, "dev");
        const prod = stackOf(await env.startHost(), "prod");
        const { state: devState } = await dev.engine.up("key", undefined, dev.inputs("key", db, a, { onDelete: "retain" }));
        proxy.reset();

        const refused = await failureOf(prod.engine.up("key", undefined, prod.inputs("key", db, b)));

        expect(refused.message).to.include('the database is claimed by resource "key" of stack "dev" in project "timestream-kms-test"');
        expect(proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "DescribeKey", "ListTagsForResource"]);
        expect(await fx.liveKey(db)).to.equal(a.arn);

        // pulumi destroy of dev (onDelete: retain) releases the claim and leaves the key.
        proxy.reset();
        await dev.engine.destroy(devState);
        expect(proxy.operations()).to.deep.equal(["ListTagsForResource", "UntagResource"]);
        expect(await ownerTag(db)).to.equal(undefined);

        const { state } = await prod.engine.up("key", undefined, prod.inputs("key", db, b));
        expect(state.outputs).to.include({ owner: ownerFor("key", "prod"), kmsKeyArn: b.arn, previousKmsKeyArn: a.arn });
        expect(await ownerTag(db)).to.equal(ownerFor("key", "prod"));
        expect(original.arn).to.not.equal(a.arn);
    });

    it("keeps the original key when the host is killed right after UpdateDatabase landed: the create run again records it, and destroy restores it", async () => {
        const { original, a, db } = await database();
        const victim = await env.startHost();
        const { engine, inputs } = stackOf(victim, "test");
        proxy.inject("UpdateDatabase", "applied-hang");

        const creating = failureOf(engine.up("key", undefined, inputs("key", db, a)));
        await until(() => proxy.calls.some((c) => c.operation === "UpdateDatabase" && c.forwardedMs !== undefined));
        victim.process.kill("SIGKILL");
        await creating;
        expect(await fx.liveKey(db), "the write landed before the kill").to.equal(a.arn);

        // The engine holds a pending create and no state: the next pulumi up creates the resource again, in a new host.
        proxy.reset();
        const again = stackOf(await env.startHost(), "test");
        const { state } = await again.engine.up("key", undefined, again.inputs("key", db, a));

        expect(state.outputs).to.include({ kmsKeyArn: a.arn, previousKmsKeyArn: original.arn, owner: ownerFor("key") });
        expect(proxy.operations()).to.not.include("UpdateDatabase");
        expect(proxy.operations()).to.not.include("TagResource");

        await again.engine.destroy(state);
        expect(await fx.liveKey(db)).to.equal(original.arn);
        expect(await ownerTag(db)).to.equal(undefined);
    });

    it("takes a database over with takeOver: the original key is kept, the old owner's update is refused without a write and its restore skipped", async () => {
        const { original, a, b, db } = await database();
        const dev = stackOf(env.host, "dev");
        const prod = stackOf(await env.startHost(), "prod");
        const { state: devState } = await dev.engine.up("key", undefined, dev.inputs("key", db, a));

        const { state: prodState } = await prod.engine.up("key", undefined, prod.inputs("key", db, b, { takeOver: true }));
        expect(prodState.outputs).to.include({ kmsKeyArn: b.arn, previousKmsKeyArn: original.arn, owner: ownerFor("key", "prod") });

        // The old owner's next pulumi up asks for another key: refused before UpdateDatabase.
        proxy.reset();
        const c = await fx.createKey();
        const refused = await failureOf(dev.engine.up("key", devState, dev.inputs("key", db, c)));
        expect(refused.message).to.include('the database is claimed by resource "key" of stack "prod"');
        expect(proxy.operations()).to.not.include("UpdateDatabase");
        expect(proxy.operations()).to.not.include("TagResource");

        // Its pulumi destroy (onDelete: restore) leaves the database, on the new owner's key, and the claim to the new
        // owner, once STS shows its credentials are of the database's account (what other credentials see would not count).
        proxy.reset();
        await dev.engine.destroy(devState);
        expect(proxy.operations()).to.deep.equal(["ListTagsForResource", "GetCallerIdentity", "DescribeDatabase"]);
        expect(await fx.liveKey(db)).to.equal(b.arn);
        expect(await ownerTag(db)).to.equal(ownerFor("key", "prod"));

        await prod.engine.destroy(prodState);
        expect(await fx.liveKey(db)).to.equal(original.arn);
    });

    it("fails naming timestream:TagResource and recordOwnership: false when tagging is denied, before any UpdateDatabase", async () => {
        const { original, a, db } = await database();
        const { engine, inputs } = stackOf(env.host, "test");
        proxy.inject("TagResource", "denied");

        const error = await failureOf(engine.up("key", undefined, inputs("key", db, a)));

        expect(error.message).to.include("AWS denied timestream:TagResource").and.include("recordOwnership: false");
        expect(proxy.operations()).to.not.include("UpdateDatabase");
        expect(await fx.liveKey(db)).to.equal(original.arn);
    });

    it("makes no tag call with recordOwnership: false, in create, update and delete", async () => {
        const { original, a, b, db } = await database();
        const { engine, inputs } = stackOf(env.host, "test");
        const off = { recordOwnership: false };

        const { state } = await engine.up("key", undefined, inputs("key", db, a, off));
        const { state: updated } = await engine.up("key", state, inputs("key", db, b, off));
        await engine.destroy(updated);

        expect(state.outputs).to.not.have.property("owner");
        expect(proxy.operations().filter((op) => /Tag/.test(op))).to.deep.equal([]);
        expect(proxy.sortedOperations().filter((op) => op !== "DescribeKey")).to.deep.equal([
            "DescribeDatabase",
            "DescribeDatabase",
            "DescribeDatabase",
            "UpdateDatabase",
            "UpdateDatabase",
            "UpdateDatabase",
        ]);
        expect(await fx.liveKey(db)).to.equal(original.arn);
    });
});

/** Resolves once `done()` holds, checking every 20 ms; fails after 10 s. */
async function until(done: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!done()) {
        if (Date.now() > deadline) throw new Error("timed out waiting");
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}
