/**
 * How old a DescribeKey answer may be: at most one operation for decisions that may write (check, diff, create,
 * update, restore), so an alias re-pointed or a key disabled while Pulumi runs is seen by the next operation; a whole
 * provider process for refresh, whose answers only fill keyManager and keyState.
 */
import { expect } from "chai";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { UpdateDatabaseCommand } from "@aws-sdk/client-timestream-write";
import { KEY_A, KEY_B, KEY_OLD, OWNER, configuredProvider, database, holdDatabase, keyArn, keyMetadata, knowKey, rejectionOf, stateOf, useAwsMocks, useCleanAwsEnv } from "../fixtures";
import { REGION } from "../../support/common";

describe("DatabaseKmsKeyProvider: freshness of KMS answers", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();
    const config = { "aws:region": REGION };
    const describedKeys = () => aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input);
    const updates = () => aws.timestream.commandCalls(UpdateDatabaseCommand).map((c) => c.args[0].input);

    it("sees an alias re-pointed between two resources' diffs in one process", async () => {
        const provider = await configuredProvider(config);
        const inputs = (name: string) => ({ databaseName: name, kmsKeyId: "alias/x", owner: OWNER });
        knowKey(aws, keyMetadata(KEY_A), "alias/x");
        const first = await provider.diff("metrics", stateOf("metrics", keyArn(KEY_A), { kmsKeyId: "alias/x" }), inputs("metrics"));
        knowKey(aws, keyMetadata(KEY_B), "alias/x");
        const second = await provider.diff("orders", stateOf("orders", keyArn(KEY_A), { kmsKeyId: "alias/x" }), inputs("orders"));
        expect(first.changes).to.equal(false);
        expect(second.changes).to.equal(true);
        expect(describedKeys()).to.deep.equal([{ KeyId: "alias/x" }, { KeyId: "alias/x" }]);
    });

    it("puts the alias's new key on the database when it moved after the diff of an earlier resource", async () => {
        const provider = await configuredProvider(config);
        holdDatabase(aws, database("orders", keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_A), "alias/x");
        await provider.diff("metrics", stateOf("metrics", keyArn(KEY_A), { kmsKeyId: "alias/x" }), { databaseName: "metrics", kmsKeyId: "alias/x", owner: OWNER });
        knowKey(aws, keyMetadata(KEY_B), "alias/x");
        const { outs } = await provider.update("orders", stateOf("orders", keyArn(KEY_A), { kmsKeyId: "alias/x" }), { databaseName: "orders", kmsKeyId: "alias/x", owner: OWNER });
        expect(outs).to.include({ kmsKeyArn: keyArn(KEY_B), appliedKmsKeyArn: keyArn(KEY_B) });
        expect(updates()).to.deep.equal([{ DatabaseName: "orders", KmsKeyId: keyArn(KEY_B) }]);
    });

    it("refuses in create a key disabled after check passed it", async () => {
        const provider = await configuredProvider(config);
        holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
        knowKey(aws, keyMetadata(KEY_A), KEY_A);
        const checked = await provider.check({}, { databaseName: "metrics", kmsKeyId: KEY_A, owner: OWNER });
        knowKey(aws, keyMetadata(KEY_A, { KeyState: "Disabled", Enabled: false }), KEY_A);
        const error = await rejectionOf(provider.create({ databaseName: "metrics", kmsKeyId: KEY_A }));
        expect(checked.failures).to.deep.equal([]);
        expect(error).to.include({ code: "KeyUnusable" });
        expect(updates()).to.deep.equal([]);
        expect(describedKeys()).to.deep.equal([{ KeyId: KEY_A }, { KeyId: KEY_A }]);
    });

    it("shares one DescribeKey between creates whose lookups are in flight at the same moment", async () => {
        const provider = await configuredProvider(config);
        for (const name of ["metrics", "orders"]) holdDatabase(aws, database(name, keyArn(KEY_OLD)));
        knowKey(aws, keyMetadata(KEY_A), "alias/x");
        await Promise.all(["metrics", "orders"].map((name) => provider.create({ databaseName: name, kmsKeyId: "alias/x" })));
        expect(describedKeys()).to.deep.equal([{ KeyId: "alias/x" }]);
        expect(updates()).to.have.deep.members([
            { DatabaseName: "metrics", KmsKeyId: keyArn(KEY_A) },
            { DatabaseName: "orders", KmsKeyId: keyArn(KEY_A) },
        ]);
    });

    it("asks KMS once per process about a live key for refresh, however many reads", async () => {
        const provider = await configuredProvider(config);
        for (const name of ["metrics", "orders"]) holdDatabase(aws, database(name, keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
        await provider.read("metrics", stateOf("metrics", keyArn(KEY_A)));
        await provider.read("orders", stateOf("orders", keyArn(KEY_A)));
        expect(describedKeys()).to.deep.equal([{ KeyId: keyArn(KEY_A) }]);
    });
});
