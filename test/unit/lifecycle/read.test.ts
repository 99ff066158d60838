import { expect } from "chai";
import { DescribeKeyCommand, KMSServiceException } from "@aws-sdk/client-kms";
import { DescribeDatabaseCommand, UpdateDatabaseCommand } from "@aws-sdk/client-timestream-write";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { DatabaseKmsKeyOutputs } from "../../../provider/lifecycle";
import { KEY_A, KEY_B, KEY_OLD, REGION, UPDATED, configuredProvider, database, holdDatabase, keyArn, keyMetadata, knowKey, rejectionOf, stateOf, useAwsMocks, useCleanAwsEnv } from "../fixtures";

const STATE = stateOf("metrics", keyArn(KEY_A));

describe("DatabaseKmsKeyProvider.read", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();

    async function read(props?: DatabaseKmsKeyOutputs, config: Record<string, string> = {}) {
        const { id, props: outs } = await (await configuredProvider(config)).read("metrics", props ?? STATE);
        return { id, props: outs! };
    }
    const databaseReads = () => aws.timestream.commandCalls(DescribeDatabaseCommand).map((c) => c.args[0].input);
    const describedKeys = () => aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input);

    it("returns the state unchanged when nothing changed, after one DescribeDatabase and one DescribeKey", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
        expect(await read()).to.deep.equal({ id: "metrics", props: STATE });
        expect(databaseReads()).to.deep.equal([{ DatabaseName: "metrics" }]);
        expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: keyArn(KEY_A) }]);
        expect(aws.timestream.commandCalls(UpdateDatabaseCommand)).to.have.length(0);
    });

    it("returns the live key and its kind when the key changed out of band", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_B), { TableCount: 5 }));
        knowKey(aws, keyMetadata(KEY_B, { KeyManager: "AWS", KeyState: "Enabled" }), keyArn(KEY_B));
        const { id, props } = await read();
        expect(id).to.equal("metrics");
        expect(props).to.deep.equal({ ...STATE, kmsKeyArn: keyArn(KEY_B), tableCount: 5, keyManager: "AWS", keyState: "Enabled" });
        expect(aws.timestream.commandCalls(UpdateDatabaseCommand)).to.have.length(0);
    });

    it("keeps previousKmsKeyArn from state", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_B)));
        knowKey(aws, keyMetadata(KEY_B), keyArn(KEY_B));
        expect((await read()).props.previousKmsKeyArn).to.equal(keyArn(KEY_OLD));
        expect(databaseReads()).to.deep.equal([{ DatabaseName: "metrics" }]);
        expect(describedKeys()).to.deep.equal([{ KeyId: keyArn(KEY_B) }]);
        expect(aws.timestream.commandCalls(UpdateDatabaseCommand)).to.have.length(0);
    });

    it("reports a key disabled since the last read", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_A, { KeyState: "Disabled" }), keyArn(KEY_A));
        expect((await read()).props.keyState).to.equal("Disabled");
        expect(databaseReads()).to.deep.equal([{ DatabaseName: "metrics" }]);
        expect(describedKeys()).to.deep.equal([{ KeyId: keyArn(KEY_A) }]);
        expect(aws.timestream.commandCalls(UpdateDatabaseCommand)).to.have.length(0);
    });

    it("returns an empty id, after one DescribeDatabase and one GetCallerIdentity, when the database of this account is gone", async () => {
        expect(await read()).to.deep.equal({ id: "", props: {} });
        expect(databaseReads()).to.deep.equal([{ DatabaseName: "metrics" }]);
        expect(aws.sts.commandCalls(GetCallerIdentityCommand)).to.have.length(1);
        expect(aws.kms.calls()).to.have.length(0);
    });

    it("returns an empty id without asking STS when the state has no database ARN", async () => {
        expect(await read({ ...STATE, databaseArn: "" })).to.deep.equal({ id: "", props: {} });
        expect(aws.sts.calls()).to.have.length(0);
    });

    it("fails, keeping the resource, when the database is missing to credentials of another account", async () => {
        aws.sts.on(GetCallerIdentityCommand).resolves({ Account: "999988887777" });
        const error = await rejectionOf(read());
        expect(error.code).to.equal("WrongAccount");
        expect(error.message).to.contain("account 111122223333").and.contain("account 999988887777").and.contain("stays in state");
        expect(databaseReads()).to.have.length(1);
    });

    it("makes no STS call when the database exists", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
        await read();
        expect(aws.sts.calls()).to.have.length(0);
    });

    it("leaves keyManager and keyState out when KMS does not know the live key", async () => {
        holdDatabase(aws, database("metrics", keyArn("default_key")));
        const { props } = await read();
        expect(props.kmsKeyArn).to.equal(keyArn("default_key"));
        expect(props).to.not.have.any.keys("keyManager", "keyState");
        expect(aws.kms.commandCalls(DescribeKeyCommand)).to.have.length(1);
    });

    it("asks KMS once per process about a live key it will not describe, however many databases use it", async () => {
        holdDatabase(aws, database("metrics", keyArn("default_key")));
        holdDatabase(aws, database("orders", keyArn("default_key")));
        const provider = await configuredProvider();
        const [first, second] = await Promise.all(["metrics", "orders"].map((name) => provider.read(name, stateOf(name, keyArn(KEY_A)))));
        const third = await provider.read("metrics", STATE);
        for (const { props } of [first, second, third]) expect(props).to.include({ kmsKeyArn: keyArn("default_key") }).and.not.have.any.keys("keyManager", "keyState");
        expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: keyArn("default_key") }]);
        expect(aws.timestream.commandCalls(DescribeDatabaseCommand)).to.have.length(3);
    });

    it("reports the live key without keyManager and keyState when KMS denies describing it", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_B)));
        aws.kms.on(DescribeKeyCommand).rejects(new KMSServiceException({ name: "AccessDeniedException", $fault: "client", message: "not authorized", $metadata: {} }));
        const { props } = await read();
        expect(props.kmsKeyArn).to.equal(keyArn(KEY_B));
        expect(props).to.not.have.any.keys("keyManager", "keyState");
        expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: keyArn(KEY_B) }]);
    });

    it("fails when KMS fails otherwise while describing the live key", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        aws.kms.on(DescribeKeyCommand).rejects(new KMSServiceException({ name: "KMSInternalException", $fault: "server", message: "boom", $metadata: { httpStatusCode: 500 } }));
        const error = await rejectionOf(read());
        expect(error).to.include({ code: "Unavailable" });
        expect(error.message).to.include('read of database "metrics" in us-east-1');
        expect(databaseReads()).to.deep.equal([{ DatabaseName: "metrics" }]);
        expect(describedKeys()).to.deep.equal([{ KeyId: keyArn(KEY_A) }]);
        expect(aws.timestream.commandCalls(UpdateDatabaseCommand)).to.have.length(0);
    });

    it("reads the database named by the id, in the config region, when state has no inputs", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A), { LastUpdatedTime: UPDATED }));
        knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
        const { props } = await read({} as DatabaseKmsKeyOutputs, { "aws:region": REGION });
        expect(props).to.include({ databaseName: "metrics", region: REGION, kmsKeyArn: keyArn(KEY_A), previousKmsKeyArn: keyArn(KEY_A) });
        expect(databaseReads()).to.deep.equal([{ DatabaseName: "metrics" }]);
    });
});
