/**
 * The ownership claim as an attacker with only timestream:TagResource, and two teams at once, would try it, through
 * the real dynamic-provider host against moto (issue 23). Tags written behind the provider's back come from the
 * fixtures; the proxy only holds requests to force the order they land in, and changes no body. Every case ends with
 * the database on the key it had before the first owner took it once the restoring destroys ran, or with a refusal
 * that wrote nothing.
 */
import { expect } from "chai";
import { Fixtures } from "../../lab/fixtures";
import { ownerFor, Props, ProviderHost } from "../../lab/host";
import { RecordedCall, RecordingProxy } from "../../lab/proxy";
import { ORIGINAL_KEY_TAG as ORIGINAL_TAG, OWNER_TAG } from "../../provider/ownership";
import { linkedHostedMoto, OTHER_REGION } from "../support/integration";
import { claimableDatabase, failureOf, stackOf as stacks } from "../support/stacks";


describe("provider host: a claim as trustworthy as the state", function () {
    const env = linkedHostedMoto();
    let provider: string;
    let proxy: RecordingProxy;
    let fx: Fixtures;
    before(() => ({ provider, proxy, fx } = env));

    const stackOf = (host: ProviderHost, stack?: string) => stacks(host, proxy, provider, stack);
    const database = () => claimableDatabase(fx);

    /** The claim moto holds for the database now, as { owner, original }. */
    async function claimOn(arn: string): Promise<{ owner?: string; original?: string }> {
        const tags = await fx.tags(arn);
        const value = (key: string) => tags.find((t) => t.Key === key)?.Value;
        return { owner: value(OWNER_TAG), original: value(ORIGINAL_TAG) };
    }

    /** A request input that names `text` anywhere (an owner in TagResource's tags, a key in UpdateDatabase's). */
    const naming = (text: string) => (input: Record<string, unknown>) => JSON.stringify(input).includes(text);

    it("records the database's own key, not a forged claim's, when a claim naming the resource was written before its first create", async () => {
        const { original, a, db, arn } = await database();
        const attacker = await fx.createKey();
        await fx.tag(arn, [
            { Key: OWNER_TAG, Value: ownerFor("key") },
            { Key: ORIGINAL_TAG, Value: attacker.arn },
        ]);
        const { engine, inputs } = stackOf(env.host);

        const { state } = await engine.up("key", undefined, inputs("key", db, a));

        expect(state.outputs).to.include({ previousKmsKeyArn: original.arn, kmsKeyArn: a.arn });
        expect(await claimOn(arn)).to.deep.equal({ owner: ownerFor("key"), original: original.arn });
        expect(proxy.calls.filter((c) => c.operation === "DescribeKey").map((c) => c.input.KeyId)).to.not.include(attacker.arn);
        // What the tag said is not adopted silently: the provider's log says so.
        expect(env.host.warnings.some((w) => w.includes(`tag names "${attacker.arn}", but the database is on neither that key nor the one this resource puts on it`))).to.equal(
            true,
        );
        await engine.destroy(state);
        expect(await fx.liveKey(db)).to.equal(original.arn);
    });

    describe("an original-key tag rewritten on a database the resource already claims", () => {
        const variants: [string, () => Promise<string>][] = [
            ["another key", async () => (await fx.createKey()).arn],
            ["garbage", async () => "not a key"],
            ["another region's key", async () => (await fx.inRegion(OTHER_REGION).createKey()).arn],
            ["an alias", async () => (await fx.createAlias(await fx.createKey())).name],
            [
                "a key pending deletion",
                async () => {
                    const doomed = await fx.createKey();
                    await fx.scheduleDeletion(doomed);
                    return doomed.arn;
                },
            ],
        ];
        for (const [what, forge] of variants) {
            it(`keeps the state's original key over ${what}, rewrites the tag at the next key change, and restores the original on destroy`, async () => {
                const { original, a, b, db, arn } = await database();
                const { engine, inputs } = stackOf(env.host);
                const { state } = await engine.up("key", undefined, inputs("key", db, a));
                await fx.tag(arn, [{ Key: ORIGINAL_TAG, Value: await forge() }]);

                const { state: rotated } = await engine.up("key", state, inputs("key", db, b));

                expect(rotated.outputs).to.include({ previousKmsKeyArn: original.arn, kmsKeyArn: b.arn });
                expect(env.host.warnings.some((w) => w.includes(`but this resource's state recorded ${original.arn}: ${original.arn} is recorded`))).to.equal(true);
                expect(await claimOn(arn)).to.deep.equal({ owner: ownerFor("key"), original: original.arn });
                await engine.destroy(rotated);
                expect(await fx.liveKey(db)).to.equal(original.arn);
                expect(await claimOn(arn)).to.deep.equal({ owner: undefined, original: undefined });
            });
        }
    });

    it("restores on destroy, leaving the claim, when a forged claim names another owner while the database is on the resource's key", async () => {
        const { original, a, db, arn } = await database();
        const { engine, inputs } = stackOf(env.host);
        const { state } = await engine.up("key", undefined, inputs("key", db, a));
        const attacker = await fx.createKey();
        await fx.tag(arn, [
            { Key: OWNER_TAG, Value: "someone/else/key" },
            { Key: ORIGINAL_TAG, Value: attacker.arn },
        ]);

        await engine.destroy(state);

        expect(await fx.liveKey(db)).to.equal(original.arn);
        expect((await claimOn(arn)).owner).to.equal("someone/else/key");
    });

    it("refuses the later of two resources of one name under two parents, naming the first's owner", async () => {
        const { original, a, b, db } = await database();
        const { engine, inputs } = stackOf(env.host);
        const under = (parent: string) => ownerFor("key", "test", `urn:pulumi:test::timestream-kms-test::my:index:Component::${parent}`);
        const { state } = await engine.up("key", undefined, inputs("key", db, a, { owner: under("one") }));

        const refused = await failureOf(engine.up("key", undefined, inputs("key", db, b, { owner: under("two") })));

        expect(under("one")).to.not.equal(under("two"));
        expect(refused.message).to.include(`the database is claimed by resource "key" of stack "test" in project "timestream-kms-test" (owner "${under("one")}")`);
        expect(await fx.liveKey(db)).to.equal(a.arn);
        await engine.destroy(state);
        expect(await fx.liveKey(db)).to.equal(original.arn);
    });

    it("moves a state recorded with the owner format before the hash to the new owner on the next pulumi up, with no UpdateDatabase", async () => {
        const { original, a, db, arn } = await database();
        const { engine, inputs } = stackOf(env.host);
        const before = "timestream-kms-test/test/key";
        const { state } = await engine.up("key", undefined, inputs("key", db, a, { owner: before }));
        expect(await claimOn(arn)).to.deep.equal({ owner: before, original: original.arn });
        proxy.reset();

        const { state: upgraded, shown } = await engine.up("key", state, inputs("key", db, a));

        expect(shown).to.equal("update");
        expect(proxy.operations()).to.deep.equal(["ListTagsForResource", "TagResource", "ListTagsForResource"]);
        expect(upgraded.outputs).to.include({ owner: ownerFor("key"), previousKmsKeyArn: original.arn, kmsKeyArn: a.arn });
        expect(await claimOn(arn)).to.deep.equal({ owner: ownerFor("key"), original: original.arn });
        expect((await engine.up("key", upgraded, inputs("key", db, a))).shown, "the pulumi up after").to.equal("same");
    });

    describe("two stacks adopting one unclaimed database at once", () => {
        /** Both stacks' `pulumi up` started, each held at its TagResource once both have found the database unclaimed. */
        async function race() {
            const { original, a, b, db, arn } = await database();
            const dev = stackOf(env.host, "dev");
            const prod = stackOf(await env.startHost(), "prod");
            const tags = { dev: proxy.hold("TagResource", naming(ownerFor("key", "dev"))), prod: proxy.hold("TagResource", naming(ownerFor("key", "prod"))) };
            const ups = {
                dev: dev.engine.up("key", undefined, dev.inputs("key", db, a)).then(({ state }) => state),
                prod: prod.engine.up("key", undefined, prod.inputs("key", db, b)).then(({ state }) => state),
            };
            // Keep the failure for the test to read, not as an unhandled rejection.
            const settled = { dev: ups.dev.catch((e: Error) => e), prod: ups.prod.catch((e: Error) => e) };
            await Promise.all([tags.dev.arrived, tags.prod.arrived]);
            return { original, a, b, db, arn, dev, prod, tags, settled };
        }

        it("lets the stack whose claim lands last write its key, and refuses the other before its key write when its read-back comes after that claim", async () => {
            const { original, b, db, arn, prod, tags, settled } = await race();
            // dev claims and goes to read its claim back, held; prod's claim lands over dev's; then dev reads.
            const devReadBack = proxy.hold("ListTagsForResource");
            tags.dev.release();
            await devReadBack.arrived;
            tags.prod.release();
            await tags.prod.answered;
            devReadBack.release();

            const [devResult, prodResult] = await Promise.all([settled.dev, settled.prod]);

            expect(devResult).to.be.instanceOf(Error);
            expect((devResult as Error).message).to.include(`reading it back before the key write found the claim of resource "key" of stack "prod"`);
            expect(proxy.calls.filter((c) => c.operation === "UpdateDatabase").map((c) => c.input.KmsKeyId)).to.deep.equal([b.arn]);
            expect(await fx.liveKey(db)).to.equal(b.arn);
            expect(await claimOn(arn)).to.deep.equal({ owner: ownerFor("key", "prod"), original: original.arn });
            await prod.engine.destroy(prodResult as never);
            expect(await fx.liveKey(db)).to.equal(original.arn);
        });

        it("ends on the original key after both restoring destroys when a claim lands after the other stack read its own back (the window that remains)", async () => {
            const { original, a, db, arn, dev, prod, tags, settled } = await race();
            // dev claims, reads its claim back and sends its key write, held; then prod claims and finishes; then dev's write lands.
            const devWrite = proxy.hold("UpdateDatabase", naming(a.arn));
            tags.dev.release();
            await devWrite.arrived;
            tags.prod.release();
            const prodState = await settled.prod;
            devWrite.release();
            const devState = await settled.dev;

            expect(prodState).to.not.be.instanceOf(Error);
            expect(devState).to.not.be.instanceOf(Error);
            expect(await fx.liveKey(db)).to.equal(a.arn);
            expect(await claimOn(arn)).to.deep.equal({ owner: ownerFor("key", "prod"), original: original.arn });
            for (const state of [devState, prodState] as never[]) expect((state as { outputs: Props }).outputs.previousKmsKeyArn).to.equal(original.arn);

            // dev's destroy finds prod's claim but its own key on the database: it restores and leaves the claim.
            await dev.engine.destroy(devState as never);
            expect(await fx.liveKey(db)).to.equal(original.arn);
            await prod.engine.destroy(prodState as never);
            expect(await fx.liveKey(db)).to.equal(original.arn);
            expect(await claimOn(arn)).to.deep.equal({ owner: undefined, original: undefined });
        });
    });

    it("records the key set out of band after a host killed between its claim and its key write, and restores that key on destroy", async () => {
        const { a, db, arn } = await database();
        const victim = await env.startHost();
        const { engine, inputs } = stackOf(victim);
        const write = proxy.hold("UpdateDatabase");
        const creating = failureOf(engine.up("key", undefined, inputs("key", db, a)));
        await write.arrived;
        victim.process.kill("SIGKILL");
        // The held write is never forwarded: the host died before it reached AWS.
        await creating;
        const outOfBand = await fx.createKey();
        await fx.setDatabaseKey(db, outOfBand.arn);

        const again = stackOf(await env.startHost());
        const { state } = await again.engine.up("key", undefined, again.inputs("key", db, a));

        expect(state.outputs).to.include({ previousKmsKeyArn: outOfBand.arn, kmsKeyArn: a.arn });
        expect((await claimOn(arn)).original).to.equal(outOfBand.arn);
        await again.engine.destroy(state);
        expect(await fx.liveKey(db)).to.equal(outOfBand.arn);
    });

    it("keeps the original key a takeOver killed after writing its claim took from the old owner, and restores it on destroy", async () => {
        const { original, a, b, db, arn } = await database();
        const dev = stackOf(env.host, "dev");
        await dev.engine.up("key", undefined, dev.inputs("key", db, a));
        const victim = await env.startHost();
        const prod = stackOf(victim, "prod");
        const write = proxy.hold("UpdateDatabase", naming(b.arn));
        const taking = failureOf(prod.engine.up("key", undefined, prod.inputs("key", db, b, { takeOver: true })));
        const held: RecordedCall = await write.arrived;
        victim.process.kill("SIGKILL");
        await taking;
        expect(held.operation).to.equal("UpdateDatabase");
        // The person taking over is told which original key they accept.
        const told = `takes the database over from resource "key" of stack "dev" in project "timestream-kms-test" (owner "${ownerFor("key", "dev")}"), recording ${original.arn} as the original key.`;
        expect(victim.warnings.some((w) => w.includes(told))).to.equal(true);
        expect(await claimOn(arn)).to.deep.equal({ owner: ownerFor("key", "prod"), original: original.arn });

        const again = stackOf(await env.startHost(), "prod");
        const { state } = await again.engine.up("key", undefined, again.inputs("key", db, b, { takeOver: true }));

        expect(state.outputs).to.include({ previousKmsKeyArn: original.arn, kmsKeyArn: b.arn });
        await again.engine.destroy(state);
        expect(await fx.liveKey(db)).to.equal(original.arn);
    });
});
