import { expect } from "chai";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { DescribeDatabaseCommand, ListTagsForResourceCommand, UntagResourceCommand, UpdateDatabaseCommand } from "@aws-sdk/client-timestream-write";
import { DatabaseKmsKeyOutputs } from "../../../provider/lifecycle";
import {
    KEY_A,
    KEY_B,
    KEY_OLD,
    OWNER,
    configuredProvider,
    database,
    databaseArn,
    holdDatabase,
    keyArn,
    keyMetadata,
    knowKey,
    ownClaim,
    rejectionOf,
    stateOf,
    useAwsMocks,
    useCleanAwsEnv,
} from "../fixtures";

const RESTORE = stateOf("metrics", keyArn(KEY_A), { onDelete: "restore" });

describe("DatabaseKmsKeyProvider.delete", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();

    const remove = async (props: DatabaseKmsKeyOutputs = RESTORE) => (await configuredProvider()).delete("metrics", props);
    const awsCalls = () => [...aws.timestream.calls(), ...aws.kms.calls()];
    const updates = () => aws.timestream.commandCalls(UpdateDatabaseCommand).map((c) => c.args[0].input);

    it("makes no AWS call when onDelete is retain and the state recorded no claim", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        await remove({ ...RESTORE, onDelete: "retain", owner: undefined });
        expect(awsCalls()).to.have.length(0);
    });

    it("only releases the claim when state has no onDelete, whose default is retain", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
        const props: Partial<DatabaseKmsKeyOutputs> = { ...RESTORE };
        delete props.onDelete;
        await remove(props as DatabaseKmsKeyOutputs);
        expect(aws.timestream.calls().map((c) => c.args[0].constructor.name)).to.deep.equal(["ListTagsForResourceCommand", "UntagResourceCommand"]);
        expect(aws.kms.calls()).to.have.length(0);
    });

    it("puts the previous key back when the database still uses this resource's key", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
        await remove();
        expect(aws.timestream.commandCalls(DescribeDatabaseCommand).map((c) => c.args[0].input)).to.deep.equal([{ DatabaseName: "metrics" }]);
        expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: keyArn(KEY_OLD) }]);
        expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_OLD) }]);
    });

    it("succeeds without UpdateDatabase when the database is already gone", async () => {
        await remove();
        expect(aws.timestream.commandCalls(DescribeDatabaseCommand)).to.have.length(1);
        expect(updates()).to.deep.equal([]);
    });

    it("leaves the key alone when someone else has changed it since, before a refresh", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_B)));
        await remove();
        expect(updates()).to.deep.equal([]);
        expect(aws.kms.calls()).to.have.length(0);
    });

    it("only releases the claim when the previous key is the one in state", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        ownClaim(aws, "metrics", OWNER, keyArn(KEY_A));
        await remove({ ...RESTORE, kmsKeyArn: keyArn(KEY_A), previousKmsKeyArn: keyArn(KEY_A) });
        expect(aws.timestream.commandCalls(ListTagsForResourceCommand).map((c) => c.args[0].input)).to.deep.equal([{ ResourceARN: databaseArn("metrics") }]);
        expect(aws.timestream.commandCalls(UntagResourceCommand)).to.have.length(1);
        expect(aws.timestream.calls()).to.have.length(2);
        expect(aws.kms.calls()).to.have.length(0);
    });

    it("refuses to restore a previous key that is now disabled, sending no UpdateDatabase", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_OLD, { KeyState: "Disabled" }), keyArn(KEY_OLD));
        const error = await rejectionOf(remove());
        expect(error).to.include({ code: "KeyUnusable" });
        expect(error.message).to.include(`delete (restore previous key) of database "metrics" in us-east-1 with KMS key "${keyArn(KEY_OLD)}"`);
        expect(error.message).to.include("its state is Disabled");
        expect(error.message).to.match(/To delete the resource without restoring, set onDelete to "retain", run `pulumi up`, then delete it again$/);
        expect(updates()).to.deep.equal([]);
    });

    it("leaves another writer's key alone after a refresh recorded it in state", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_B)));
        // read set kmsKeyArn to the live key B; the key this resource applied is still A.
        await remove({ ...RESTORE, kmsKeyArn: keyArn(KEY_B), appliedKmsKeyArn: keyArn(KEY_A) });
        expect(aws.timestream.commandCalls(DescribeDatabaseCommand)).to.have.length(1);
        expect(updates()).to.deep.equal([]);
        expect(aws.kms.calls()).to.have.length(0);
    });

    it("restores without asking KMS which key an alias kmsKeyId names, even when the alias is gone", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
        await remove({ ...RESTORE, kmsKeyId: "alias/gone" });
        expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: keyArn(KEY_OLD) }]);
        expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_OLD) }]);
    });

    it("fails with KeyConflict when another writer's key is registered instead of the previous key", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        aws.timestream.on(UpdateDatabaseCommand).resolves({ Database: database("metrics", keyArn(KEY_B)) });
        knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
        const error = await rejectionOf(remove());
        expect(error).to.include({ code: "KeyConflict" });
        expect(updates()).to.have.length(1);
    });
});
