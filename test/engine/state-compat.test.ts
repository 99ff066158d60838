/**
 * State written by earlier versions is served by this one (issue 9): each fixture under test/fixtures/state/ is the
 * state a released shape records, its serialized provider included. Through the real host against moto, the
 * operations Pulumi runs on such a state: refresh (read, with the old provider text), diff and update (with the
 * program's current provider), and delete with `onDelete: "restore"` (with the old provider text again). None of these
 * states holds an ownership claim (issue 17): the first `pulumi up` after the upgrade claims the database.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { Fixtures, Key } from "../../lab/fixtures";
import { ownerFor, Props, ProviderHost, urnOf } from "../../lab/host";
import { linkedHostedMoto } from "../support/integration";
import { RecordingProxy } from "../../lab/proxy";

const STATES = path.resolve(__dirname, "..", "fixtures", "state");

describe("state written by earlier versions", () => {
    const env = linkedHostedMoto();
    let provider: string;
    let proxy: RecordingProxy;
    let host: ProviderHost;
    let fx: Fixtures;
    before(() => ({ provider, proxy, host, fx } = env));

    for (const file of fs.readdirSync(STATES).filter((f) => f.endsWith(".json"))) {
        const shape = file.replace(/\.json$/, "");

        /** A database the resource had moved from `previous` to `key`, and the fixture's state for it. */
        async function recorded(): Promise<{ previous: Key; key: Key; db: string; state: Props; inputs: Props }> {
            const [previous, key] = await Promise.all([fx.createKey(), fx.createKey()]);
            const made = await fx.createDatabase(key.arn);
            const db = made.DatabaseName;
            const values: Record<string, string> = { DATABASE: db, DATABASE_ARN: made.Arn!, KEY_ID: key.id, KEY_ARN: key.arn, PREVIOUS_ARN: previous.arn };
            const text = fs.readFileSync(path.join(STATES, file), "utf8").replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name]);
            const state = (JSON.parse(text) as { state: Props }).state;
            const inputs = { databaseName: db, kmsKeyId: key.id, onDelete: "restore", owner: ownerFor(db), __provider: provider };
            proxy.reset();
            return { previous, key, db, state, inputs };
        }

        describe(shape, () => {
            it("refreshes, reporting the same key and keeping the previous one", async () => {
                const { previous, key, db, state } = await recorded();

                const { id, properties } = await host.read(urnOf(db), db, state);

                expect(id).to.equal(db);
                expect(properties).to.include({ kmsKeyArn: key.arn, previousKmsKeyArn: previous.arn, appliedKmsKeyArn: key.arn, __provider: state.__provider });
                expect(proxy.operations()).to.deep.equal(["DescribeDatabase", "DescribeKey"]);
            });

            it("diffs as a change with the program's current provider, whose update claims the database without UpdateDatabase", async () => {
                const { previous, key, db, state, inputs } = await recorded();
                expect((await host.diff(urnOf(db), db, state, inputs)).changes).to.equal("DIFF_SOME");
                expect(proxy.calls, "a key ID compares locally, and diff makes no tag call").to.deep.equal([]);

                const { properties } = await host.update(urnOf(db), db, state, inputs);

                expect(proxy.operations()).to.deep.equal(["ListTagsForResource", "TagResource", "ListTagsForResource"]);
                expect(proxy.calls[1].input).to.deep.equal({
                    ResourceARN: state.databaseArn,
                    Tags: [
                        { Key: "pulumi-timestream-kms:owner", Value: ownerFor(db) },
                        { Key: "pulumi-timestream-kms:original-key", Value: previous.arn },
                    ],
                });
                expect(properties).to.include({ owner: ownerFor(db), kmsKeyArn: key.arn, previousKmsKeyArn: previous.arn, appliedKmsKeyArn: key.arn });
                expect((await host.diff(urnOf(db), db, properties, inputs)).changes, "the next pulumi up").to.equal("DIFF_NONE");
                expect(await fx.liveKey(db)).to.equal(key.arn);
            });

            it("rotates on update with the program's current provider, claiming the database first, and restores on delete", async () => {
                const { previous, db, state, inputs } = await recorded();
                const rotated = await fx.createKey();
                const news = { ...inputs, kmsKeyId: rotated.arn };
                expect((await host.diff(urnOf(db), db, state, news)).changes).to.equal("DIFF_SOME");
                const { properties } = await host.update(urnOf(db), db, state, news);

                expect(properties).to.include({ kmsKeyArn: rotated.arn, previousKmsKeyArn: previous.arn, appliedKmsKeyArn: rotated.arn, owner: ownerFor(db) });
                expect(await fx.liveKey(db)).to.equal(rotated.arn);
                expect(proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "ListTagsForResource", "TagResource", "UpdateDatabase"]);

                proxy.reset();
                await host.delete(urnOf(db), db, properties);
                expect(await fx.liveKey(db)).to.equal(previous.arn);
                expect(proxy.operations().filter((op) => op !== "DescribeKey")).to.deep.equal(["ListTagsForResource", "DescribeDatabase", "UpdateDatabase", "UntagResource"]);
            });

            it("restores the previous key on delete, with the provider text the state holds", async () => {
                const { previous, db, state } = await recorded();

                await host.delete(urnOf(db), db, state);

                expect(await fx.liveKey(db)).to.equal(previous.arn);
                expect(proxy.operations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "UpdateDatabase"]);
            });
        });
    }
});
