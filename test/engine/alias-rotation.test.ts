/**
 * Rotation by re-pointing an alias, through the real provider host: one host (one Pulumi command) serves two
 * resources on the same alias, and the alias moves to a new key between their operations, as an `aws.kms.Alias` in
 * the same program does when the second resource depends on it. The second resource must see the new key.
 */
import { expect } from "chai";
import { ownerFor, urnOf } from "../../lab/host";
import { linkedHostedMoto } from "../support/integration";

describe("provider host: an alias re-pointed during a deployment", function () {
    const env = linkedHostedMoto();

    it("gives the second resource a diff and an update that puts the alias's new key on its database", async () => {
        const { host, proxy, fx, provider } = env;
        const [oldKey, newKey] = await Promise.all([fx.createKey(), fx.createKey()]);
        const alias = await fx.createAlias(oldKey);
        const [first, second] = await Promise.all([fx.createDatabase(oldKey.arn), fx.createDatabase(oldKey.arn)]);
        const inputsOf = (db: string) => ({ databaseName: db, kmsKeyId: alias.name, owner: ownerFor(db), __provider: provider });
        const states = [];
        for (const db of [first, second]) states.push((await host.create(urnOf(db.DatabaseName), inputsOf(db.DatabaseName))).properties);
        proxy.reset();

        // The next `pulumi up`: the first resource is checked and diffed, then the alias moves, then the second.
        const firstInputs = inputsOf(first.DatabaseName);
        await host.check(urnOf(first.DatabaseName), firstInputs, firstInputs);
        const firstDiff = await host.diff(urnOf(first.DatabaseName), first.DatabaseName, states[0], firstInputs);
        await fx.updateAlias(alias, newKey);
        const secondInputs = inputsOf(second.DatabaseName);
        await host.check(urnOf(second.DatabaseName), secondInputs, secondInputs);
        const secondDiff = await host.diff(urnOf(second.DatabaseName), second.DatabaseName, states[1], secondInputs);
        const { properties } = await host.update(urnOf(second.DatabaseName), second.DatabaseName, states[1], secondInputs);

        expect(firstDiff.changes).to.equal("DIFF_NONE");
        expect(secondDiff.changes).to.equal("DIFF_SOME");
        expect(properties).to.include({ kmsKeyArn: newKey.arn, appliedKmsKeyArn: newKey.arn, previousKmsKeyArn: oldKey.arn });
        expect(await fx.liveKey(second.DatabaseName)).to.equal(newKey.arn);
        expect(await fx.liveKey(first.DatabaseName)).to.equal(oldKey.arn);
        // Check makes no call for unchanged inputs; each diff and the update resolve the alias afresh.
        const calls = proxy.calls.map((c) => [c.operation, c.input]);
        expect(calls.slice(0, 2)).to.deep.equal([
            ["DescribeKey", { KeyId: alias.name }],
            ["DescribeKey", { KeyId: alias.name }],
        ]);
        // The update resolves the alias once, for both the comparison and the write, and checks its own claim before it.
        expect(proxy.operations().slice(2).sort()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "UpdateDatabase"]);
        expect(calls.filter(([operation]) => operation === "UpdateDatabase")).to.deep.equal([
            ["UpdateDatabase", { DatabaseName: second.DatabaseName, KmsKeyId: newKey.arn }],
        ]);
    });
});
