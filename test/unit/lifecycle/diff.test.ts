import { expect } from "chai";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { DatabaseKmsKeyInputs, DatabaseKmsKeyOutputs } from "../../../provider/lifecycle";
import { UNKNOWN } from "../../../lab/host";
import { KEY_A, KEY_B, OTHER_REGION, REGION, configuredProvider, keyArn, keyMetadata, knowKey, rejectionOf, stateOf, useAwsMocks, useCleanAwsEnv, OWNER } from "../fixtures";

const STATE = stateOf("metrics", keyArn(KEY_A));
const SAME: DatabaseKmsKeyInputs = { databaseName: "metrics", kmsKeyId: keyArn(KEY_A), region: REGION, owner: OWNER };
// Every answer asks for delete-before-replace (see DatabaseKmsKeyProvider.diff).
const NO_CHANGE = { changes: false, replaces: [], deleteBeforeReplace: true };
const CHANGE = { changes: true, replaces: [], deleteBeforeReplace: true };

describe("DatabaseKmsKeyProvider.diff", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();

    /** Diffs `news` against `olds` and checks the rule that holds for every diff: no Timestream call. */
    async function diff(news: DatabaseKmsKeyInputs, olds: DatabaseKmsKeyOutputs = STATE, config: Record<string, string> = {}) {
        const result = await (await configuredProvider(config)).diff("metrics", olds, news);
        expect(aws.timestream.calls(), "Timestream calls during diff").to.have.length(0);
        return result;
    }

    it("reports no change for the inputs in state, without an AWS call", async () => {
        expect(await diff(SAME)).to.deep.equal(NO_CHANGE);
        expect(aws.kms.calls()).to.have.length(0);
    });

    describe("replacement", () => {
        it("replaces when databaseName changes", async () => {
            expect(await diff({ ...SAME, databaseName: "orders" })).to.deep.equal({ changes: true, replaces: ["databaseName"], deleteBeforeReplace: true });
            expect(aws.kms.calls()).to.have.length(0);
        });

        it("replaces when the region input changes", async () => {
            expect(await diff({ ...SAME, region: OTHER_REGION })).to.deep.equal({ changes: true, replaces: ["region"], deleteBeforeReplace: true });
            expect(aws.kms.calls()).to.have.length(0);
        });

        it("replaces both when databaseName and region change", async () => {
            expect(await diff({ ...SAME, databaseName: "orders", region: OTHER_REGION })).to.deep.equal({
                changes: true,
                replaces: ["databaseName", "region"],
                deleteBeforeReplace: true,
            });
            expect(aws.kms.calls()).to.have.length(0);
        });

        it("replaces when aws:region config moves a resource without a region input", async () => {
            const result = await diff({ databaseName: "metrics", kmsKeyId: keyArn(KEY_A), owner: OWNER }, STATE, { "aws:region": OTHER_REGION });
            expect(result.replaces).to.deep.equal(["region"]);
        });

        it("replaces when AWS_REGION moves a resource without a region input or config", async () => {
            process.env.AWS_REGION = OTHER_REGION;
            expect((await diff({ databaseName: "metrics", kmsKeyId: keyArn(KEY_A), owner: OWNER })).replaces).to.deep.equal(["region"]);
        });

        it("does not replace when the region input is dropped but config gives the same region", async () => {
            expect(await diff({ databaseName: "metrics", kmsKeyId: keyArn(KEY_A), owner: OWNER }, STATE, { "aws:region": REGION })).to.deep.equal(NO_CHANGE);
            expect(aws.kms.calls()).to.have.length(0);
        });

        it("does not replace when AWS_REGION gives the region in state", async () => {
            process.env.AWS_REGION = REGION;
            expect(await diff({ databaseName: "metrics", kmsKeyId: keyArn(KEY_A), owner: OWNER })).to.deep.equal(NO_CHANGE);
        });

        it("fails with NoRegion when no region is set anywhere", async () => {
            const error = await rejectionOf(diff({ databaseName: "metrics", kmsKeyId: keyArn(KEY_A), owner: OWNER }));
            expect(error).to.include({ code: "NoRegion" });
        });
    });

    describe("the key", () => {
        it("reports no change for the key ID of the key in state, without an AWS call", async () => {
            expect(await diff({ ...SAME, kmsKeyId: KEY_A })).to.deep.equal(NO_CHANGE);
            expect(aws.kms.calls()).to.have.length(0);
        });

        it("reports no change for the key ARN of a key given by ID, without an AWS call", async () => {
            expect(await diff(SAME, { ...STATE, kmsKeyId: KEY_A })).to.deep.equal(NO_CHANGE);
            expect(aws.kms.calls()).to.have.length(0);
        });

        it("reports a change for another key ID, without an AWS call", async () => {
            expect(await diff({ ...SAME, kmsKeyId: KEY_B })).to.deep.equal(CHANGE);
            expect(aws.kms.calls()).to.have.length(0);
        });

        it("reports no change for an alias of the key in state, after one DescribeKey", async () => {
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            expect(await diff({ ...SAME, kmsKeyId: "alias/metrics" })).to.deep.equal(NO_CHANGE);
            expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: "alias/metrics" }]);
        });

        it("reports a change when the alias now points to another key", async () => {
            knowKey(aws, keyMetadata(KEY_B), "alias/metrics");
            expect(await diff({ ...SAME, kmsKeyId: "alias/metrics" }, { ...STATE, kmsKeyId: "alias/metrics" })).to.deep.equal(CHANGE);
            expect(aws.kms.commandCalls(DescribeKeyCommand)).to.have.length(1);
        });

        it("reports a change for a key still unknown, without an AWS call", async () => {
            expect(await diff({ ...SAME, kmsKeyId: UNKNOWN })).to.deep.equal(CHANGE);
            expect(aws.kms.calls()).to.have.length(0);
        });

        it("reports a change for an alias KMS does not know yet, which this deployment may create", async () => {
            expect(await diff({ ...SAME, kmsKeyId: "alias/new" })).to.deep.equal(CHANGE);
            expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: "alias/new" }]);
            expect(aws.timestream.calls()).to.have.length(0);
        });

        it("reports a change when the database already uses the wanted key but the resource applied another", async () => {
            // A refresh recorded drift to key B, and the program now asks for B: the update makes B the resource's own.
            expect(await diff({ ...SAME, kmsKeyId: KEY_B }, { ...STATE, kmsKeyArn: keyArn(KEY_B) })).to.deep.equal(CHANGE);
            expect(aws.kms.calls()).to.have.length(0);
            expect(aws.timestream.calls()).to.have.length(0);
        });
    });

    describe("other inputs", () => {
        it("reports a change when onDelete changes, without an AWS call", async () => {
            expect(await diff({ ...SAME, onDelete: "restore" })).to.deep.equal(CHANGE);
            expect(aws.kms.calls()).to.have.length(0);
        });

        it("reports no change when onDelete is given as its default", async () => {
            expect(await diff({ ...SAME, onDelete: "retain" })).to.deep.equal(NO_CHANGE);
        });

        it("reports a change when endpoint changes, without an AWS call", async () => {
            expect(await diff({ ...SAME, endpoint: "http://127.0.0.1:5000/" })).to.deep.equal(CHANGE);
            expect(aws.kms.calls()).to.have.length(0);
        });
    });
});
