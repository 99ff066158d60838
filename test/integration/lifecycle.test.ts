/**
 * The built provider against moto, through the recording proxy in both modes:
 * "moto" (answers as moto gives them: the key identifier echoed as sent) and
 * "aws" (DescribeDatabase/UpdateDatabase report the key ARN, as AWS does).
 * Each test asserts the outcome and the exact AWS calls the proxy saw.
 */
import { expect } from "chai";
import type { DatabaseKmsKeyInputs, DatabaseKmsKeyOutputs } from "../../provider/lifecycle";
import type { TimestreamWriteClient } from "@aws-sdk/client-timestream-write";
import { Alias, Key, uniqueName } from "../../lab/fixtures";
import { CLAIM_TAG_KEYS, claimTags, configuredProvider, inputsOf, OTHER_REGION, OWNER, proxiedMoto, REGION, rejectionOf, restoreEnv } from "../support/integration";
import type { ProxyMode } from "../../lab/proxy";

const KEY_FORMS: [string, (key: Key, alias: Alias) => string][] = [
    ["a key ID", (key) => key.id],
    ["a key ARN", (key) => key.arn],
    ["an alias name", (_, alias) => alias.name],
    ["an alias ARN", (_, alias) => alias.arn],
];

for (const mode of ["moto", "aws"] as ProxyMode[]) {
    describe(`DatabaseKmsKeyProvider lifecycle against moto (proxy in ${mode} mode)`, function () {
        const env = proxiedMoto(mode);
        /** Recorded operations, sorted: create and update describe the database and the key at the same time. */
        const updateInputs = () => env.proxy.calls.filter((c) => c.operation === "UpdateDatabase").map((c) => c.input);

        /** A database on its own key P, and a key A to adopt it with. */
        const databaseAndKey = async () => ({ ...(await env.fx.databaseOnOwnKey()), key: await env.fx.createKey() });

        describe("create (adopt)", () => {
            for (const [form, idOf] of KEY_FORMS) {
                it(`adopts the database with ${form}, sending the key ARN in one UpdateDatabase`, async () => {
                    const { previous, db, key } = await databaseAndKey();
                    const kmsKeyId = idOf(key, await env.fx.createAlias(key));
                    const provider = await configuredProvider();

                    const { id, outs } = await provider.create({ databaseName: db, kmsKeyId, owner: OWNER });

                    expect(id).to.equal(db);
                    expect(outs).to.include({ databaseName: db, kmsKeyId, region: REGION, onDelete: "retain", kmsKeyArn: key.arn, previousKmsKeyArn: previous.arn });
                    expect(outs).to.include({ keyManager: "CUSTOMER", keyState: "Enabled", tableCount: 0, owner: OWNER });
                    expect(outs.databaseArn).to.equal(`arn:aws:timestream:${REGION}:123456789012:database/${db}`);
                    expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "ListTagsForResource", "TagResource", "UpdateDatabase"]);
                    // The database and the key at once, then the claim (the original key recorded) before the key is written.
                    expect(env.proxy.operations().slice(2)).to.deep.equal(["ListTagsForResource", "TagResource", "ListTagsForResource", "UpdateDatabase"]);
                    expect(inputsOf(env.proxy, "ListTagsForResource")).to.deep.equal([{ ResourceARN: outs.databaseArn }, { ResourceARN: outs.databaseArn }]);
                    expect(inputsOf(env.proxy, "TagResource")).to.deep.equal([{ ResourceARN: outs.databaseArn, Tags: claimTags(previous.arn) }]);
                    expect(updateInputs()).to.deep.equal([{ DatabaseName: db, KmsKeyId: key.arn }]);
                    expect(await env.fx.liveKey(db)).to.equal(key.arn);
                    expect(await env.fx.tags(outs.databaseArn)).to.have.deep.members(claimTags(previous.arn));
                });
            }

            it("makes no UpdateDatabase when the database already uses the key, given in another form", async () => {
                const key = await env.fx.createKey();
                const alias = await env.fx.createAlias(key);
                // moto keeps the alias as the database's key; the "aws" proxy reports it as the key ARN.
                const { DatabaseName: db } = await env.fx.createDatabase(alias.name);
                const provider = await configuredProvider();

                const { outs } = await provider.create({ databaseName: db, kmsKeyId: key.id, owner: OWNER });

                expect(outs).to.include({ kmsKeyArn: key.arn, previousKmsKeyArn: key.arn, keyState: "Enabled", owner: OWNER });
                // In moto mode the live alias needs its own DescribeKey to be compared. The claim is recorded all the same.
                const describeKeys = mode === "moto" ? ["DescribeKey", "DescribeKey"] : ["DescribeKey"];
                expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", ...describeKeys, "ListTagsForResource", "ListTagsForResource", "TagResource"]);
                expect(inputsOf(env.proxy, "TagResource")).to.deep.equal([{ ResourceARN: outs.databaseArn, Tags: claimTags(key.arn) }]);
            });

            it("refuses a nonexistent database with DatabaseNotFound and no UpdateDatabase", async () => {
                const key = await env.fx.createKey();
                const provider = await configuredProvider();

                const error = await rejectionOf(provider.create({ databaseName: "never-created-db", kmsKeyId: key.arn, owner: OWNER }));

                expect(error.code).to.equal("DatabaseNotFound");
                expect(error.message).to.include('database "never-created-db"').and.include(REGION).and.include(key.arn);
                expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey"]);
            });

            it("refuses a nonexistent alias with KeyNotFound and no UpdateDatabase", async () => {
                const { previous, db } = await databaseAndKey();
                const provider = await configuredProvider();

                const error = await rejectionOf(provider.create({ databaseName: db, kmsKeyId: "alias/never-created", owner: OWNER }));

                expect(error.code).to.equal("KeyNotFound");
                expect(error.message).to.include(db).and.include("alias/never-created");
                expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey"]);
                expect(await env.fx.liveKey(db)).to.equal(previous.arn);
            });
        });

        describe("read, update and drift", () => {
            /** A database adopted with key A by a fresh provider; the proxy's record starts after the create. */
            async function adopted(extra: Partial<DatabaseKmsKeyInputs> = {}) {
                const { previous, db, key } = await databaseAndKey();
                const provider = await configuredProvider();
                const inputs: DatabaseKmsKeyInputs = { databaseName: db, kmsKeyId: key.arn, owner: OWNER, ...extra };
                const { outs } = await provider.create(inputs);
                env.proxy.reset();
                return { provider, previous, db, key, inputs, outs };
            }

            it("reads an unchanged database with one DescribeDatabase and one DescribeKey for its key's facts", async () => {
                const { provider, db, outs } = await adopted();

                const read = await provider.read(db, outs);

                expect(read).to.deep.equal({ id: db, props: outs });
                expect(read.props.owner).to.equal(OWNER);
                // Refresh does not reuse the create's answer: answers for writes last one operation. It makes no tag call.
                expect(env.proxy.operations()).to.deep.equal(["DescribeDatabase", "DescribeKey"]);
            });

            it("rotates from key A to key B through update with one UpdateDatabase", async () => {
                const { provider, previous, db, inputs, outs } = await adopted();
                const next = await env.fx.createKey();

                const updated = await provider.update(db, outs, { ...inputs, kmsKeyId: next.id });

                expect(updated.outs).to.include({ kmsKeyId: next.id, kmsKeyArn: next.arn, previousKmsKeyArn: previous.arn, keyState: "Enabled", owner: OWNER });
                // The claim is checked before the write; it is already this resource's, so it is not written again.
                expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "UpdateDatabase"]);
                expect(env.proxy.operations().slice(2)).to.deep.equal(["ListTagsForResource", "UpdateDatabase"]);
                expect(updateInputs()).to.deep.equal([{ DatabaseName: db, KmsKeyId: next.arn }]);
                expect(await env.fx.liveKey(db)).to.equal(next.arn);
            });

            it("updates an onDelete change with no AWS call", async () => {
                const { provider, db, inputs, outs } = await adopted();

                const updated = await provider.update(db, outs, { ...inputs, onDelete: "restore" });

                expect(updated.outs).to.deep.equal({ ...outs, onDelete: "restore" });
                expect(env.proxy.operations()).to.deep.equal([]);
            });

            it("reports a key changed out of band as drift on read, and update repairs it", async () => {
                const { provider, previous, db, key, inputs, outs } = await adopted();
                const other = await env.fx.createKey();
                await env.fx.setDatabaseKey(db, (await env.fx.createAlias(other)).name);

                const read = await provider.read(db, outs);
                expect(read.id).to.equal(db);
                expect(read.props).to.include({ kmsKeyArn: other.arn, previousKmsKeyArn: previous.arn, keyManager: "CUSTOMER" });
                // aws mode: one DescribeKey describes the live key. moto mode: moto echoes the alias, which is resolved
                // first, then the key it names is described for refresh.
                expect(env.proxy.operations()).to.deep.equal(["DescribeDatabase", "DescribeKey", ...(mode === "moto" ? ["DescribeKey"] : [])]);

                env.proxy.reset();
                const diff = await provider.diff(db, read.props, inputs);
                expect(diff).to.deep.equal({ changes: true, replaces: [], deleteBeforeReplace: true });
                expect(env.proxy.operations()).to.deep.equal([]);

                const repaired = await provider.update(db, read.props, inputs);
                expect(repaired.outs).to.include({ kmsKeyArn: key.arn, previousKmsKeyArn: previous.arn });
                // Key A is described again: the create's answer does not outlive the create. In moto mode the live alias moto
                // echoes is resolved too.
                const liveAlias = mode === "moto" ? ["DescribeKey"] : [];
                expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", ...liveAlias, "ListTagsForResource", "UpdateDatabase"]);
                expect(updateInputs()).to.deep.equal([{ DatabaseName: db, KmsKeyId: key.arn }]);
                expect(await env.fx.liveKey(db)).to.equal(key.arn);
            });

            it("reads a database deleted out of band as an empty id", async () => {
                const { provider, db, outs } = await adopted();
                await env.fx.deleteDatabase(db);

                const read = await provider.read(db, outs);

                expect(read.id).to.equal("");
                // GetCallerIdentity: the credentials are of the database's own account, so it really is gone.
                expect(env.proxy.operations()).to.deep.equal(["DescribeDatabase", "GetCallerIdentity"]);
            });

            it("refuses to update a database deleted out of band with DatabaseNotFound and no UpdateDatabase", async () => {
                const { provider, db, inputs, outs } = await adopted();
                await env.fx.deleteDatabase(db);
                const next = await env.fx.createKey();

                const error = await rejectionOf(provider.update(db, outs, { ...inputs, kmsKeyId: next.arn }));

                expect(error.code).to.equal("DatabaseNotFound");
                expect(error.message).to.include(`database "${db}"`).and.include(REGION);
                expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey"]);
            });
        });

        describe("delete", () => {
            /** Adopts a database on key P with key A, onDelete as given. */
            async function adopted(onDelete: "retain" | "restore") {
                const { previous, db, key } = await databaseAndKey();
                const provider = await configuredProvider();
                const { outs } = await provider.create({ databaseName: db, kmsKeyId: key.arn, onDelete, owner: OWNER });
                env.proxy.reset();
                return { provider, previous, db, key, outs };
            }

            /** What UntagResource sends to release this resource's claim. */
            const release = (outs: DatabaseKmsKeyOutputs) => [{ ResourceARN: outs.databaseArn, TagKeys: CLAIM_TAG_KEYS }];

            it("puts the previous key back with onDelete restore, in one UpdateDatabase, then releases its claim", async () => {
                const { provider, previous, db, outs } = await adopted("restore");

                await provider.delete(db, outs);

                expect(env.proxy.operations()).to.deep.equal(["ListTagsForResource", "DescribeDatabase", "DescribeKey", "UpdateDatabase", "UntagResource"]);
                expect(updateInputs()).to.deep.equal([{ DatabaseName: db, KmsKeyId: previous.arn }]);
                expect(inputsOf(env.proxy, "UntagResource")).to.deep.equal(release(outs));
                expect(await env.fx.liveKey(db)).to.equal(previous.arn);
                expect(await env.fx.tags(outs.databaseArn)).to.deep.equal([]);
            });

            it("leaves the key with onDelete retain, releasing its claim with ListTagsForResource and UntagResource only", async () => {
                const { provider, db, key, outs } = await adopted("retain");

                await provider.delete(db, outs);

                // No DescribeDatabase, DescribeKey or UpdateDatabase: the key is not touched.
                expect(env.proxy.operations()).to.deep.equal(["ListTagsForResource", "UntagResource"]);
                expect(inputsOf(env.proxy, "UntagResource")).to.deep.equal(release(outs));
                expect(await env.fx.liveKey(db)).to.equal(key.arn);
                expect(await env.fx.tags(outs.databaseArn)).to.deep.equal([]);
            });

            it("leaves a key someone changed since in place on restore", async () => {
                const { provider, db, outs } = await adopted("restore");
                const other = await env.fx.createKey();
                await env.fx.setDatabaseKey(db, other.arn);

                await provider.delete(db, outs);

                // The claim is still this resource's, so it is released, but the key is left.
                expect(env.proxy.operations()).to.deep.equal(["ListTagsForResource", "DescribeDatabase", "UntagResource"]);
                expect(await env.fx.liveKey(db)).to.equal(other.arn);
            });

            it("leaves a key someone changed since in place on restore, also after a refresh recorded it", async () => {
                const { provider, db, outs } = await adopted("restore");
                const other = await env.fx.createKey();
                await env.fx.setDatabaseKey(db, other.arn);
                const { props: refreshed } = await provider.read(db, outs);
                env.proxy.reset();

                await provider.delete(db, refreshed);

                expect(refreshed.kmsKeyArn).to.equal(other.arn);
                expect(env.proxy.operations()).to.deep.equal(["ListTagsForResource", "DescribeDatabase", "UntagResource"]);
                expect(await env.fx.liveKey(db)).to.equal(other.arn);
            });

            it("succeeds on restore when the database is gone", async () => {
                const { provider, db, outs } = await adopted("restore");
                await env.fx.deleteDatabase(db);

                await provider.delete(db, outs);

                // moto keeps a deleted database's tags, so ListTagsForResource still shows this resource's claim, the
                // restore finds the database gone, one GetCallerIdentity shows the credentials are of its account, and
                // the claim is released (AWS answers ResourceNotFoundException to ListTagsForResource instead, and the
                // delete ends after GetCallerIdentity).
                expect(env.proxy.operations()).to.deep.equal(["ListTagsForResource", "DescribeDatabase", "GetCallerIdentity", "UntagResource"]);
            });
        });

        describe("regions", () => {
            it("uses aws:region from stack config when the resource has no region", async () => {
                const { db, key } = await databaseAndKey();
                const provider = await configuredProvider({ "aws:region": REGION });

                const { outs } = await provider.create({ databaseName: db, kmsKeyId: key.arn, owner: OWNER });

                expect(outs.region).to.equal(REGION);
                expect(outs.databaseArn).to.match(new RegExp(`^arn:aws:timestream:${REGION}:`));
                expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "ListTagsForResource", "TagResource", "UpdateDatabase"]);
                expect(env.proxy.calls.map((c) => c.region)).to.deep.equal(env.proxy.calls.map(() => REGION));
            });

            it("uses the region input over aws:region", async () => {
                const west = env.fx.inRegion(OTHER_REGION);
                const key = await west.createKey();
                const { DatabaseName: db } = await west.createDatabase();
                const provider = await configuredProvider({ "aws:region": REGION });

                const { outs } = await provider.create({ databaseName: db, kmsKeyId: key.id, region: OTHER_REGION, owner: OWNER });

                expect(outs).to.include({ region: OTHER_REGION, kmsKeyArn: key.arn });
                expect(outs.databaseArn).to.match(new RegExp(`^arn:aws:timestream:${OTHER_REGION}:`));
                expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "ListTagsForResource", "TagResource", "UpdateDatabase"]);
                // The claim goes to the database in the region input's region, like every other call.
                expect(env.proxy.calls.map((c) => c.region)).to.deep.equal(env.proxy.calls.map(() => OTHER_REGION));
                expect(inputsOf(env.proxy, "TagResource")).to.deep.equal([{ ResourceARN: outs.databaseArn, Tags: claimTags(outs.previousKmsKeyArn) }]);
                expect(await west.liveKey(db)).to.equal(key.arn);
            });

            it("uses the SDK's region (AWS_REGION) when neither the input nor aws:region is set", async () => {
                const west = env.fx.inRegion(OTHER_REGION);
                const key = await west.createKey();
                const { DatabaseName: db } = await west.createDatabase();
                const saved = process.env.AWS_REGION;
                process.env.AWS_REGION = OTHER_REGION;
                try {
                    const provider = await configuredProvider({});
                    const { outs } = await provider.create({ databaseName: db, kmsKeyId: key.arn, owner: OWNER });
                    expect(outs.region).to.equal(OTHER_REGION);
                } finally {
                    restoreEnv("AWS_REGION", saved);
                }
                expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "ListTagsForResource", "TagResource", "UpdateDatabase"]);
                expect(env.proxy.calls.map((c) => c.region)).to.deep.equal(env.proxy.calls.map(() => OTHER_REGION));
                expect(await west.liveKey(db)).to.equal(key.arn);
            });

            it("serves two regions from one provider with one Timestream client per region", async () => {
                const west = env.fx.inRegion(OTHER_REGION);
                // The same database names in both regions, each on its region's key: the outputs show which region answered.
                const names = [uniqueName("two-regions"), uniqueName("two-regions")];
                const eastKey = await env.fx.createKey();
                const westKey = await west.createKey();
                for (const name of names) {
                    await env.fx.createDatabase(undefined, name);
                    await west.createDatabase(undefined, name);
                }
                const provider = await configuredProvider({ "aws:region": REGION });

                const outs: DatabaseKmsKeyOutputs[] = [];
                for (const name of names) {
                    outs.push((await provider.create({ databaseName: name, kmsKeyId: eastKey.arn, owner: OWNER })).outs);
                    outs.push((await provider.create({ databaseName: name, kmsKeyId: westKey.arn, region: OTHER_REGION, owner: OWNER })).outs);
                }

                expect(outs.map((o) => [o.region, o.kmsKeyArn, o.databaseArn.split(":")[3]])).to.deep.equal([
                    [REGION, eastKey.arn, REGION],
                    [OTHER_REGION, westKey.arn, OTHER_REGION],
                    [REGION, eastKey.arn, REGION],
                    [OTHER_REGION, westKey.arn, OTHER_REGION],
                ]);
                for (const name of names) {
                    expect(await env.fx.liveKey(name)).to.equal(eastKey.arn);
                    expect(await west.liveKey(name)).to.equal(westKey.arn);
                }
                // Per region: each create describes its key once, its DescribeDatabase, its claim (ListTagsForResource,
                // TagResource and ListTagsForResource again on that region's database) and UpdateDatabase.
                const perRegion = (region: string) => env.proxy.calls.filter((c) => c.region === region).map((c) => c.operation).sort();
                const expected = [
                    ...["DescribeDatabase", "DescribeDatabase", "DescribeKey", "DescribeKey", ...Array(4).fill("ListTagsForResource")],
                    ...["TagResource", "TagResource", "UpdateDatabase", "UpdateDatabase"],
                ];
                expect(perRegion(REGION)).to.deep.equal(expected);
                expect(perRegion(OTHER_REGION)).to.deep.equal(expected);
                const claimedArns = (region: string) => env.proxy.calls.filter((c) => c.region === region && c.operation === "TagResource").map((c) => c.input.ResourceARN);
                expect(claimedArns(REGION)).to.deep.equal([outs[0].databaseArn, outs[2].databaseArn]);
                expect(claimedArns(OTHER_REGION)).to.deep.equal([outs[1].databaseArn, outs[3].databaseArn]);
                // One client per region, read off the provider's session: the calls alone cannot tell clients apart.
                const session = (provider as unknown as { aws: { timestreamClients: Map<string, TimestreamWriteClient> } }).aws;
                const clients = [...session.timestreamClients.values()];
                expect(await Promise.all(clients.map((c) => c.config.region()))).to.deep.equal([REGION, OTHER_REGION]);
            });
        });

        describe("diff", () => {
            it("makes no Timestream call and resolves an alias with one DescribeKey in each diff", async () => {
                const key = await env.fx.createKey();
                const alias = await env.fx.createAlias(key);
                const { DatabaseName: db } = await env.fx.createDatabase(key.arn);
                const provider = await configuredProvider();
                const inputs = { databaseName: db, kmsKeyId: key.arn, owner: OWNER };
                const { outs } = await provider.create(inputs);
                env.proxy.reset();

                const other = await env.fx.createKey();
                const diffOf = (news: Partial<DatabaseKmsKeyInputs>) => provider.diff(db, outs, { ...inputs, ...news });
                expect(await diffOf({ kmsKeyId: key.id })).to.deep.equal({ changes: false, replaces: [], deleteBeforeReplace: true });
                expect(await diffOf({ kmsKeyId: alias.name })).to.deep.equal({ changes: false, replaces: [], deleteBeforeReplace: true });
                expect(await diffOf({ kmsKeyId: alias.name })).to.deep.equal({ changes: false, replaces: [], deleteBeforeReplace: true });
                expect(await diffOf({ kmsKeyId: other.arn })).to.deep.equal({ changes: true, replaces: [], deleteBeforeReplace: true });
                expect(await diffOf({ onDelete: "restore" })).to.deep.equal({ changes: true, replaces: [], deleteBeforeReplace: true });
                expect(await diffOf({ region: OTHER_REGION })).to.deep.equal({ changes: true, replaces: ["region"], deleteBeforeReplace: true });
                expect(await diffOf({ databaseName: `${db}-renamed` })).to.deep.equal({ changes: true, replaces: ["databaseName"], deleteBeforeReplace: true });

                expect(env.proxy.calls.map((c) => [c.operation, c.input])).to.deep.equal([
                    ["DescribeKey", { KeyId: alias.name }],
                    ["DescribeKey", { KeyId: alias.name }],
                ]);
                expect(env.proxy.timestreamCalls()).to.deep.equal([]);
            });
        });
    });
}
