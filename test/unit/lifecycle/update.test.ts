import { expect } from "chai";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { DescribeDatabaseCommand, UpdateDatabaseCommand } from "@aws-sdk/client-timestream-write";
import { DatabaseKmsKeyInputs, DatabaseKmsKeyOutputs } from "../../../provider/lifecycle";
import { KEY_A, KEY_B, KEY_OLD, REGION, configuredProvider, database, holdDatabase, keyArn, keyMetadata, knowKey, rejectionOf, stateOf, useAwsMocks, useCleanAwsEnv, OWNER } from "../fixtures";

const STATE = stateOf("metrics", keyArn(KEY_A));
const SAME: DatabaseKmsKeyInputs = { databaseName: "metrics", kmsKeyId: keyArn(KEY_A), region: REGION, owner: OWNER };

describe("DatabaseKmsKeyProvider.update", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();

    async function update(news: DatabaseKmsKeyInputs, olds: DatabaseKmsKeyOutputs = STATE) {
        const { outs } = await (await configuredProvider()).update("metrics", olds, news);
        return { outs: outs! };
    }
    const awsCalls = () => [...aws.timestream.calls(), ...aws.kms.calls()];
    const updates = () => aws.timestream.commandCalls(UpdateDatabaseCommand).map((c) => c.args[0].input);

    it("makes no AWS call when only onDelete changes", async () => {
        const { outs } = await update({ ...SAME, onDelete: "restore" });
        expect(outs).to.deep.equal({ ...STATE, onDelete: "restore" });
        expect(awsCalls()).to.have.length(0);
    });

    it("makes no AWS call for the key ID of the key in state, and records the new form", async () => {
        const { outs } = await update({ ...SAME, kmsKeyId: KEY_A });
        expect(outs).to.deep.equal({ ...STATE, kmsKeyId: KEY_A });
        expect(awsCalls()).to.have.length(0);
    });

    it("makes the key the database already uses the resource's own, without an AWS call", async () => {
        // After a refresh recorded drift to key B, the program asks for B.
        const drifted = { ...STATE, kmsKeyArn: keyArn(KEY_B) };
        const { outs } = await update({ ...SAME, kmsKeyId: KEY_B }, drifted);
        expect(outs).to.deep.equal({ ...drifted, kmsKeyId: KEY_B, appliedKmsKeyArn: keyArn(KEY_B) });
        expect(awsCalls()).to.have.length(0);
    });

    it("records an endpoint added and drops one removed, without an AWS call", async () => {
        const added = await update({ ...SAME, endpoint: "http://127.0.0.1:5000/" });
        const removed = await update(SAME, added.outs as DatabaseKmsKeyOutputs);
        expect(added.outs).to.deep.equal({ ...STATE, endpoint: "http://127.0.0.1:5000/" });
        expect(removed.outs).to.deep.equal(STATE);
        expect(awsCalls()).to.have.length(0);
    });

    it("sends DescribeDatabase and one UpdateDatabase for another key, keeping previousKmsKeyArn", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_B), "alias/next");
        const { outs } = await update({ ...SAME, kmsKeyId: "alias/next" });
        expect(outs).to.include({ kmsKeyId: "alias/next", kmsKeyArn: keyArn(KEY_B), previousKmsKeyArn: keyArn(KEY_OLD), keyState: "Enabled" });
        expect(aws.timestream.commandCalls(DescribeDatabaseCommand).map((c) => c.args[0].input)).to.deep.equal([{ DatabaseName: "metrics" }]);
        expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_B) }]);
        // Resolving the alias to compare with the state and describing the key to write share the operation's answer.
        expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: "alias/next" }]);
    });

    it("sends no UpdateDatabase when the database already uses the new key", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_B)));
        knowKey(aws, keyMetadata(KEY_B), KEY_B);
        const { outs } = await update({ ...SAME, kmsKeyId: KEY_B });
        expect(outs).to.include({ kmsKeyArn: keyArn(KEY_B), previousKmsKeyArn: keyArn(KEY_OLD) });
        expect(aws.timestream.commandCalls(DescribeDatabaseCommand)).to.have.length(1);
        expect(updates()).to.deep.equal([]);
    });

    it("repairs drift: the live key differs from state and from the desired key", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
        knowKey(aws, keyMetadata(KEY_A), KEY_A);
        const { outs } = await update({ ...SAME, kmsKeyId: KEY_A }, { ...STATE, kmsKeyArn: keyArn(KEY_OLD) });
        expect(outs).to.include({ kmsKeyArn: keyArn(KEY_A), previousKmsKeyArn: keyArn(KEY_OLD) });
        expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_A) }]);
    });

    it("refuses a disabled new key with KeyUnusable and sends no UpdateDatabase", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_B, { KeyState: "Disabled" }), KEY_B);
        const error = await rejectionOf(update({ ...SAME, kmsKeyId: KEY_B }));
        expect(error).to.include({ code: "KeyUnusable" });
        expect(error.message).to.include('update of database "metrics" in us-east-1').and.include("its state is Disabled");
        expect(updates()).to.deep.equal([]);
    });

    it("fails with KeyConflict when Timestream reports another writer's key after UpdateDatabase", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        aws.timestream.on(UpdateDatabaseCommand).resolves({ Database: database("metrics", keyArn(KEY_OLD)) });
        knowKey(aws, keyMetadata(KEY_B), KEY_B);
        const error = await rejectionOf(update({ ...SAME, kmsKeyId: KEY_B }));
        expect(error).to.include({ code: "KeyConflict" });
        expect(error.message).to.include(`Timestream reports key ${keyArn(KEY_OLD)} instead`).and.include('update of database "metrics" in us-east-1');
        expect(aws.timestream.commandCalls(DescribeDatabaseCommand).map((c) => c.args[0].input)).to.deep.equal([{ DatabaseName: "metrics" }]);
        expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: KEY_B }]);
        expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_B) }]);
    });

    it("fails with DatabaseNotFound, sending no UpdateDatabase, when the database is gone", async () => {
        knowKey(aws, keyMetadata(KEY_B), KEY_B);
        const error = await rejectionOf(update({ ...SAME, kmsKeyId: KEY_B }));
        expect(error).to.include({ code: "DatabaseNotFound" });
        expect(updates()).to.deep.equal([]);
    });
});
