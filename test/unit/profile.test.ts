/**
 * `aws:profile` stack config: the provider's clients use that shared-config
 * profile, and the profile's region is the effective region when neither the
 * input nor `aws:region` gives one.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { DatabaseKmsKeyInputs } from "../../provider/lifecycle";
import { KEY_A, OTHER_REGION, configuredProvider, keyArn, keyMetadata, knowKey, useAwsMocks, useCleanAwsEnv, OWNER } from "./fixtures";

const NEWS: Partial<DatabaseKmsKeyInputs> = { databaseName: "metrics", kmsKeyId: "alias/metrics", owner: OWNER };

describe("aws:profile stack config", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();
    let dir: string;

    before(() => {
        // A directory of its own: the SDK caches shared config files by path for the whole process.
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-profile-"));
        fs.writeFileSync(path.join(dir, "config"), `[profile ops]\nregion = ${OTHER_REGION}\n`);
        fs.writeFileSync(path.join(dir, "credentials"), "[ops]\naws_access_key_id = AKIAPROFILETEST00001\naws_secret_access_key = profileTestSecret\n");
    });
    // Runs after useCleanAwsEnv's beforeEach, which restores the environment after each test.
    beforeEach(() => {
        process.env.AWS_CONFIG_FILE = path.join(dir, "config");
        process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, "credentials");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const describeKeyCalls = () => aws.kms.commandCalls(DescribeKeyCommand);

    it("asks KMS in the profile's region, with a client using the profile, when check sees a new key", async () => {
        knowKey(aws, keyMetadata(KEY_A, { Arn: keyArn(KEY_A, OTHER_REGION) }), "alias/metrics");
        const provider = await configuredProvider({ "aws:profile": "ops" });

        expect(await provider.check({}, NEWS)).to.deep.equal({ inputs: NEWS, failures: [] });

        expect(describeKeyCalls().map((c) => c.args[0].input)).to.deep.equal([{ KeyId: "alias/metrics" }]);
        const client = describeKeyCalls()[0].thisValue as KMSClient;
        expect(await client.config.region()).to.equal(OTHER_REGION);
        expect(client.config.profile).to.equal("ops");
        expect(aws.timestream.calls()).to.have.length(0);
    });

    it("fails region, without an AWS call, when the same environment has no aws:profile", async () => {
        const { failures } = await (await configuredProvider()).check({}, NEWS);

        expect(failures!.map((f) => f.property)).to.deep.equal(["region"]);
        expect(failures![0].reason).to.include("no AWS region is set");
        expect([...aws.timestream.calls(), ...aws.kms.calls()]).to.have.length(0);
    });
});
