/**
 * Issue #6 against moto, through the recording proxy in both modes: keys that
 * cannot protect a database are refused before any UpdateDatabase, the key's
 * kind and state are reported, and DescribeKey is asked afresh by each
 * operation, lookups in flight at once sharing one call.
 */
import { expect } from "chai";
import { Fixtures, Key } from "../../lab/fixtures";
import { configuredProvider, inputsOf, OTHER_REGION, OWNER, proxiedMoto, REGION, rejectionOf } from "../support/integration";
import type { ProxyMode } from "../../lab/proxy";

/** A key Timestream cannot use, how a resource names it, and what the refusal must say. */
interface UnusableKey {
    readonly kind: string;
    make(fx: Fixtures): Promise<string>;
    readonly says: string;
    /** False when the key is refused by its ARN alone, before asking KMS. */
    readonly describes: boolean;
}

const UNUSABLE_KEYS: UnusableKey[] = [
    { kind: "a disabled key", make: async (fx) => withKey(await fx.createKey(), (key) => fx.disableKey(key), "id"), says: "its state is Disabled", describes: true },
    {
        kind: "a key pending deletion",
        make: async (fx) => withKey(await fx.createKey(), (key) => fx.scheduleDeletion(key), "arn"),
        says: "its state is PendingDeletion",
        describes: true,
    },
    { kind: "an asymmetric key", make: async (fx) => (await fx.createAlias(await fx.createAsymmetricKey())).name, says: "RSA_2048", describes: true },
    { kind: "a key ARN from another region", make: async (fx) => (await fx.inRegion(OTHER_REGION).createKey()).arn, says: `it lives in ${OTHER_REGION}`, describes: false },
];

async function withKey(key: Key, change: (key: Key) => Promise<void>, form: "id" | "arn"): Promise<string> {
    await change(key);
    return key[form];
}

for (const mode of ["moto", "aws"] as ProxyMode[]) {
    describe(`DatabaseKmsKeyProvider key checks against moto (proxy in ${mode} mode)`, function () {
        const env = proxiedMoto(mode);

        /** A database on a usable key of its own. */
        const database = () => env.fx.databaseOnOwnKey();

        for (const unusable of UNUSABLE_KEYS) {
            const describeKey = unusable.describes ? ["DescribeKey"] : [];

            it(`refuses ${unusable.kind} on create with KeyUnusable, before any write (the claim's TagResource or UpdateDatabase)`, async () => {
                const { previous, db } = await database();
                const kmsKeyId = await unusable.make(env.fx);
                const provider = await configuredProvider();

                const error = await rejectionOf(provider.create({ databaseName: db, kmsKeyId, owner: OWNER }));

                expect(error.code).to.equal("KeyUnusable");
                expect(error.message).to.include(`database "${db}" in ${REGION}`).and.include(kmsKeyId).and.include(unusable.says);
                // KeyUnusable means nothing was written ("No change was made"): a key that cannot protect the database
                // is refused before the claim, which would otherwise stay on a database no state holds.
                expect(inputsOf(env.proxy, "TagResource")).to.deep.equal([]);
                expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", ...describeKey]);
                expect(await env.fx.liveKey(db)).to.equal(previous.arn);
            });

            it(`refuses ${unusable.kind} on update with KeyUnusable, before any UpdateDatabase`, async () => {
                const { db } = await database();
                const key = await env.fx.createKey();
                const provider = await configuredProvider();
                const { outs } = await provider.create({ databaseName: db, kmsKeyId: key.arn, owner: OWNER });
                const kmsKeyId = await unusable.make(env.fx);
                env.proxy.reset();

                const error = await rejectionOf(provider.update(db, outs, { databaseName: db, kmsKeyId, owner: OWNER }));

                expect(error.code).to.equal("KeyUnusable");
                expect(error.message).to.include(`database "${db}" in ${REGION}`).and.include(kmsKeyId).and.include(unusable.says);
                // Resolving an alias to compare it with the state and describing the key to write share one answer. The key
                // is refused before the claim is read.
                expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", ...describeKey]);
                expect(await env.fx.liveKey(db)).to.equal(key.arn);
            });

            it(`reports ${unusable.kind} as a kmsKeyId failure from check, without Timestream calls`, async () => {
                const { db } = await database();
                const kmsKeyId = await unusable.make(env.fx);
                const provider = await configuredProvider();

                const { inputs, failures } = await provider.check({}, { databaseName: db, kmsKeyId, owner: OWNER });

                expect(inputs).to.deep.equal({ databaseName: db, kmsKeyId, owner: OWNER });
                expect(failures.map((f) => f.property)).to.deep.equal(["kmsKeyId"]);
                expect(failures[0].reason).to.include(db).and.include(kmsKeyId).and.include(unusable.says);
                expect(env.proxy.operations()).to.deep.equal(describeKey);
            });
        }

        it("passes a usable key in check with one DescribeKey, and asks nothing when the key is unchanged", async () => {
            const { db } = await database();
            const key = await env.fx.createKey();
            const provider = await configuredProvider();

            const inputs = { databaseName: db, kmsKeyId: key.id, owner: OWNER };
            expect(await provider.check({}, inputs)).to.deep.equal({ inputs, failures: [] });
            expect(await provider.check(inputs, inputs)).to.deep.equal({ inputs, failures: [] });

            expect(env.proxy.operations()).to.deep.equal(["DescribeKey"]);
            expect(env.proxy.calls[0].input).to.deep.equal({ KeyId: key.id });
        });

        it("refuses to restore a previous key disabled since, before any UpdateDatabase", async () => {
            const { previous, db } = await database();
            const key = await env.fx.createKey();
            const provider = await configuredProvider();
            const { outs } = await provider.create({ databaseName: db, kmsKeyId: key.arn, onDelete: "restore", owner: OWNER });
            await env.fx.disableKey(previous);
            env.proxy.reset();

            const error = await rejectionOf(provider.delete(db, outs));

            expect(error.code).to.equal("KeyUnusable");
            expect(error.message).to.include(`database "${db}" in ${REGION}`).and.include(previous.arn).and.include("its state is Disabled");
            // The claim is read first and kept: the resource stays in state, still owning the database.
            expect(env.proxy.operations()).to.deep.equal(["ListTagsForResource", "DescribeDatabase", "DescribeKey"]);
            expect(await env.fx.liveKey(db)).to.equal(key.arn);
        });

        it("reports keyManager and keyState of the key in use, refreshed by read", async () => {
            const { db } = await database();
            const key = await env.fx.createKey();
            const { outs } = await (await configuredProvider()).create({ databaseName: db, kmsKeyId: key.arn, owner: OWNER });
            expect(outs).to.include({ keyManager: "CUSTOMER", keyState: "Enabled", owner: OWNER });
            await env.fx.disableKey(key);
            env.proxy.reset();

            // A refresh runs in a new provider process, with nothing cached.
            const read = await (await configuredProvider()).read(db, outs);

            expect(read.props).to.deep.equal({ ...outs, keyState: "Disabled" });
            expect(env.proxy.operations()).to.deep.equal(["DescribeDatabase", "DescribeKey"]);
        });

        it("shares one DescribeKey among creates in flight at once, and asks afresh in each later create", async () => {
            const key = await env.fx.createKey();
            const alias = await env.fx.createAlias(key);
            const dbs = await Promise.all(Array.from({ length: 8 }, () => database()));
            const provider = await configuredProvider();
            const create = ({ db }: { db: string }, kmsKeyId: string) => provider.create({ databaseName: db, kmsKeyId, owner: OWNER });

            // Created at once, as the engine does with its default parallelism.
            const created = await Promise.all(dbs.slice(0, 6).map((d) => create(d, alias.name)));
            // Later operations ask again, whatever form they use: no answer outlives the operation that asked.
            created.push(await create(dbs[6], key.id), await create(dbs[7], key.arn));

            expect(created.map((c) => c.outs.kmsKeyArn)).to.deep.equal(dbs.map(() => key.arn));
            expect(env.proxy.calls.filter((c) => c.operation === "DescribeKey").map((c) => c.input)).to.deep.equal([
                { KeyId: alias.name },
                { KeyId: key.id },
                { KeyId: key.arn },
            ]);
            expect(env.proxy.count("DescribeDatabase")).to.equal(dbs.length);
            expect(env.proxy.count("UpdateDatabase")).to.equal(dbs.length);
            // Each create claims its own database: one TagResource each, between two ListTagsForResource.
            expect(env.proxy.count("ListTagsForResource")).to.equal(2 * dbs.length);
            expect(env.proxy.count("TagResource")).to.equal(dbs.length);
            expect(env.proxy.count()).to.equal(3 + 5 * dbs.length);
        });
    });
}
