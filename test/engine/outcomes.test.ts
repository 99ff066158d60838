/**
 * Writes whose outcome is unknown, and replacements, through the real dynamic-provider host against moto (issue 9).
 * The proxy lets UpdateDatabase land and then answers 500, or drops the connection and every request after it for
 * a while. Each test plays the engine: what the host returns (or its init-failure detail) is the state the next step
 * gets, and nothing is edited by hand in between.
 */
import { expect } from "chai";
import { Fixtures, Key } from "../../lab/fixtures";
import { HostCallError, InitFailure, ownerFor, Props, ProviderHost, urnOf } from "../../lab/host";
import { linkedHostedMoto } from "../support/integration";
import { RecordingProxy } from "../../lab/proxy";

// Long enough for the SDK's three attempts and the DescribeDatabase after them to fail, short enough for the suite.
const OUTAGE_MS = 2_500;

describe("provider host: writes whose outcome is unknown", function () {
    const env = linkedHostedMoto();
    let provider: string;
    let proxy: RecordingProxy;
    let host: ProviderHost;
    let fx: Fixtures;
    before(() => ({ provider, proxy, host, fx } = env));

    /** A database on its own key, and the inputs of a resource that puts it on `key` and restores on delete. */
    async function database(): Promise<{ original: Key; key: Key; db: string; urn: string; inputs: Props }> {
        const [original, key] = await Promise.all([fx.createKey(), fx.createKey()]);
        const db = (await fx.createDatabase(original.arn)).DatabaseName;
        const inputs = { databaseName: db, kmsKeyId: key.arn, onDelete: "restore", owner: ownerFor(db), __provider: provider };
        return { original, key, db, urn: urnOf(db), inputs };
    }

    /** The init-failure detail the host sent with a failed create or update; fails the test otherwise. */
    async function initFailureOf(call: Promise<unknown>): Promise<InitFailure & { message: string }> {
        const error = await call.then(
            () => expect.fail("expected the host call to fail"),
            (e: unknown) => e,
        );
        if (!(error instanceof HostCallError) || error.initFailure === undefined) throw error;
        return { ...error.initFailure, message: error.message };
    }

    /** The engine's next `pulumi up` of a resource in `state`: diff, then update when it reports a change. */
    async function nextUp(urn: string, id: string, state: Props, news: Props): Promise<Props> {
        const diff = await host.diff(urn, id, state, news);
        expect(diff.changes, "the next pulumi up's diff").to.equal("DIFF_SOME");
        return (await host.update(urn, id, state, news)).properties;
    }

    describe("create", () => {
        it("succeeds when every attempt lands and answers 500: one DescribeDatabase settles it", async () => {
            const { original, key, db, urn, inputs } = await database();
            proxy.injectAlways("UpdateDatabase", "applied-500");

            const { properties } = await host.create(urn, inputs);

            expect(properties).to.include({ kmsKeyArn: key.arn, previousKmsKeyArn: original.arn, appliedKmsKeyArn: key.arn });
            expect(properties).to.not.have.property("unresolvedKmsKeyArn");
            // The claim before the key, the SDK's three attempts, then the one DescribeDatabase that settles them.
            expect(proxy.operations().filter((op) => op !== "DescribeKey")).to.deep.equal([
                "DescribeDatabase",
                "ListTagsForResource",
                "TagResource",
                "ListTagsForResource",
                "UpdateDatabase",
                "UpdateDatabase",
                "UpdateDatabase",
                "DescribeDatabase",
            ]);
            expect(await fx.liveKey(db)).to.equal(key.arn);

            // Destroy's restore meets the same faults and is settled the same way.
            await host.delete(urn, db, properties);
            expect(await fx.liveKey(db)).to.equal(original.arn);
        });

        it("fails recording nothing when every attempt answers 500 and the database kept its key", async () => {
            const { original, db, urn, inputs } = await database();
            proxy.injectAlways("UpdateDatabase", "500");

            const error = await host.create(urn, inputs).then(
                () => expect.fail("expected create to fail"),
                (e: HostCallError) => e,
            );

            expect(error.initFailure).to.equal(undefined);
            expect(error.message).to.include("AWS kept failing after 3 attempt(s)");
            expect(proxy.count("DescribeDatabase")).to.equal(2);
            expect(await fx.liveKey(db)).to.equal(original.arn);
        });

        for (const fault of ["applied-500", "applied-drop"] as const) {
            it(`records the original key when the outcome cannot be known (${fault}, then an outage); destroy then restores it`, async () => {
                const { original, key, db, urn, inputs } = await database();
                proxy.inject("UpdateDatabase", fault);
                proxy.outageAfterFault(OUTAGE_MS);

                const failed = await initFailureOf(host.create(urn, inputs));

                expect(failed.id).to.equal(db);
                expect(failed.properties).to.include({
                    kmsKeyArn: original.arn,
                    previousKmsKeyArn: original.arn,
                    unresolvedKmsKeyArn: key.arn,
                    owner: inputs.owner,
                    __provider: provider,
                });
                expect(failed.reasons).to.have.length(1);
                expect(failed.message).to.include("may or may not have been applied").and.include("run `pulumi up` again");
                expect(await fx.liveKey(db)).to.equal(key.arn);

                await proxy.outageOver();
                await host.delete(urn, failed.id, failed.properties);

                expect(await fx.liveKey(db)).to.equal(original.arn);
            });
        }

        it("records the original key when the outcome cannot be known; the next pulumi up finishes, destroy restores", async () => {
            const { original, key, db, urn, inputs } = await database();
            proxy.inject("UpdateDatabase", "applied-drop");
            proxy.outageAfterFault(OUTAGE_MS);
            const failed = await initFailureOf(host.create(urn, inputs));
            await proxy.outageOver();
            proxy.reset();

            const finished = await nextUp(urn, failed.id, failed.properties, inputs);

            expect(finished).to.include({ kmsKeyArn: key.arn, previousKmsKeyArn: original.arn, appliedKmsKeyArn: key.arn });
            expect(finished).to.not.have.property("unresolvedKmsKeyArn");
            // The write had landed: the update sees it and writes nothing, key or claim (the claim the create wrote is
            // this resource's, with the original key).
            expect(proxy.operations().sort()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource"]);

            await host.delete(urn, failed.id, finished);
            expect(await fx.liveKey(db)).to.equal(original.arn);
        });

        it("fails as not applied, with no DescribeDatabase and nothing recorded, when UpdateDatabase's connection is refused", async () => {
            const { original, db, urn, inputs } = await database();
            // The claim read back before the key write is the last request answered.
            const tag = proxy.hold("TagResource");
            const creating = host.create(urn, inputs).then(
                () => expect.fail("expected create to fail"),
                (e: HostCallError) => e,
            );
            await tag.arrived;
            proxy.refuseConnectionsAfter("ListTagsForResource");
            tag.release();
            const error = await creating;
            await proxy.listenAgain();

            // The write never left: no init failure for the engine to record, and no check of an outcome that cannot be.
            expect(error.initFailure).to.equal(undefined);
            expect(error.message).to.include("could not be reached").and.include("ECONNREFUSED").and.not.include("may or may not");
            expect(proxy.operations().filter((op) => op !== "DescribeKey")).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "TagResource", "ListTagsForResource"]);
            expect(await fx.liveKey(db)).to.equal(original.arn);
        });
    });

    describe("update (rotation A → B)", () => {
        /** A resource that took the database over from `original` and put it on `key` (A). */
        async function adopted() {
            const made = await database();
            const { properties: state } = await host.create(made.urn, made.inputs);
            const rotated = await fx.createKey();
            proxy.reset();
            return { ...made, state, rotated, news: { ...made.inputs, kmsKeyId: rotated.arn } };
        }

        it("succeeds when every attempt lands and answers 500, keeping the original previous key", async () => {
            const { original, rotated, db, urn, state, news } = await adopted();
            proxy.injectAlways("UpdateDatabase", "applied-500");

            const { properties } = await host.update(urn, db, state, news);

            expect(properties).to.include({ kmsKeyArn: rotated.arn, previousKmsKeyArn: original.arn, appliedKmsKeyArn: rotated.arn });
            expect(proxy.count("UpdateDatabase")).to.equal(3);
            expect(proxy.count("DescribeDatabase")).to.equal(2);

            await host.delete(urn, db, properties);
            expect(await fx.liveKey(db)).to.equal(original.arn);
        });

        it("records the applied and the attempted key when the outcome cannot be known; destroy restores the original", async () => {
            const { original, key, rotated, db, urn, state, news } = await adopted();
            proxy.inject("UpdateDatabase", "applied-drop");
            proxy.outageAfterFault(OUTAGE_MS);

            const failed = await initFailureOf(host.update(urn, db, state, news));

            expect(failed.properties).to.include({
                kmsKeyArn: key.arn,
                previousKmsKeyArn: original.arn,
                appliedKmsKeyArn: key.arn,
                unresolvedKmsKeyArn: rotated.arn,
                owner: ownerFor(db),
                __provider: provider,
            });
            expect(await fx.liveKey(db)).to.equal(rotated.arn);

            await proxy.outageOver();
            await host.delete(urn, db, failed.properties);
            expect(await fx.liveKey(db)).to.equal(original.arn);
        });

        it("finishes on the next pulumi up after an unknown outcome, and destroy restores the original", async () => {
            const { original, rotated, db, urn, state, news } = await adopted();
            proxy.inject("UpdateDatabase", "applied-drop");
            proxy.outageAfterFault(OUTAGE_MS);
            const failed = await initFailureOf(host.update(urn, db, state, news));
            await proxy.outageOver();

            const finished = await nextUp(urn, db, failed.properties, news);

            expect(finished).to.include({ kmsKeyArn: rotated.arn, previousKmsKeyArn: original.arn, appliedKmsKeyArn: rotated.arn });
            await host.delete(urn, db, finished);
            expect(await fx.liveKey(db)).to.equal(original.arn);
        });
    });

    describe("replacement of the same database", () => {
        it("deletes first (restoring), then adopts, ending on the new key with the state saying so", async () => {
            const { original, key, db, urn, inputs } = await database();
            const { properties: old } = await host.create(urn, inputs);
            const replacement = await fx.createKey();
            const news = { ...inputs, kmsKeyId: replacement.arn };

            // What `pulumi up --replace` does with the deleteBeforeReplace every diff answer asks for.
            expect((await host.diff(urn, db, old, news)).deleteBeforeReplace).to.equal(true);
            await host.delete(urn, db, old);
            const { properties } = await host.create(urn, news);

            expect(await fx.liveKey(db)).to.equal(replacement.arn);
            expect(properties).to.include({ kmsKeyArn: replacement.arn, previousKmsKeyArn: original.arn, appliedKmsKeyArn: replacement.arn });
            expect(key.arn).to.not.equal(replacement.arn);
            // The next pulumi up sees no change.
            expect((await host.diff(urn, db, properties, news)).changes).to.equal("DIFF_NONE");
        });
    });
});
