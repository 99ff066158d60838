/**
 * Accounts and credentials in the lifecycle (issue 11): the profile and assumeRole inputs, account guards from stack
 * config before any write, and stack config that cannot be used; the database a state recorded is the only one a
 * resource acts on (issue 19).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { DescribeDatabaseCommand, UpdateDatabaseCommand } from "@aws-sdk/client-timestream-write";
import { DatabaseKmsKeyError } from "../../../provider/aws";
import { DatabaseKmsKeyInputs } from "../../../provider/lifecycle";
import { UNKNOWN } from "../../../lab/host";
import {
    ACCOUNT,
    KEY_A,
    KEY_B,
    KEY_OLD,
    OWNER,
    REGION,
    configuredProvider,
    database,
    databaseArn,
    holdDatabase,
    keyArn,
    keyMetadata,
    knowKey,
    rejectionOf,
    stateOf,
    useAwsMocks,
    useCleanAwsEnv,
    withConfigFile,
} from "../fixtures";

const OTHER_ACCOUNT = "222233334444";
const ROLE = { roleArn: "arn:aws:iam::111111111111:role/timestream-keys", externalId: "team-a" };
const INPUTS: DatabaseKmsKeyInputs = { databaseName: "metrics", kmsKeyId: keyArn(KEY_A), region: REGION, owner: OWNER };

describe("DatabaseKmsKeyProvider: accounts and credentials", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();

    const callerIdentityCalls = () => aws.sts.commandCalls(GetCallerIdentityCommand).length;

    describe("check", () => {
        const check = async (news: Partial<DatabaseKmsKeyInputs>) => (await configuredProvider()).check({}, { ...INPUTS, ...news });

        it("accepts a profile of the shared config and a role to assume", async () => {
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            withConfigFile("[profile ops]\nregion = us-east-1\n");
            expect((await check({ profile: "ops", assumeRole: ROLE })).failures).to.deep.equal([]);
        });

        it("names profile, before any AWS call, when the shared config does not have it", async () => {
            withConfigFile("[profile ops]\nregion = us-east-1\n");
            const { failures } = await check({ profile: "opps" });
            expect(failures!.map((f) => f.property)).to.deep.equal(["profile"]);
            expect(failures![0].reason).to.match(/^profile "opps" is not in the shared AWS config \(.*config, .*\): add it/);
            expect([...aws.kms.calls(), ...aws.sts.calls()]).to.have.length(0);
        });

        it("names assumeRole when it is not a role to assume, before any AWS call", async () => {
            const failures = (await check({ assumeRole: { roleArn: "arn:aws:iam::111111111111:user/me" } })).failures!;
            expect(failures.map((f) => f.property)).to.deep.equal(["assumeRole"]);
            expect(failures[0].reason).to.match(/^assumeRole roleArn "arn:aws:iam::111111111111:user\/me" must be an IAM role ARN/);
            expect([...aws.kms.calls(), ...aws.sts.calls()]).to.have.length(0);
        });

        it("names profile when it is blank", async () => {
            const { failures } = await check({ profile: " " });
            expect(failures).to.deep.equal([{ property: "profile", reason: "profile must name a profile of the shared AWS config" }]);
        });
    });

    describe("diff", () => {
        const STATE = stateOf("metrics", keyArn(KEY_A));
        const diff = async (news: Partial<DatabaseKmsKeyInputs>, olds = STATE) => (await configuredProvider()).diff("metrics", olds, { ...INPUTS, ...news });

        it("reports an in-place change after one GetCallerIdentity when a changed profile or assumeRole reaches the database's account", async () => {
            expect(await diff({ profile: "ops" })).to.deep.equal({ changes: true, replaces: [], deleteBeforeReplace: true });
            expect(await diff({ assumeRole: ROLE })).to.deep.include({ changes: true, replaces: [] });
            expect(await diff({ assumeRole: { ...ROLE, externalId: "team-b" } }, { ...STATE, assumeRole: ROLE })).to.deep.include({ changes: true, replaces: [] });
            expect(callerIdentityCalls()).to.equal(3);
            expect([...aws.timestream.calls(), ...aws.kms.calls()]).to.have.length(0);
        });

        it("replaces, naming the changed input, when a changed profile or assumeRole reaches another account", async () => {
            aws.sts.on(GetCallerIdentityCommand).resolves({ Account: OTHER_ACCOUNT });
            expect(await diff({ assumeRole: ROLE })).to.deep.equal({ changes: true, replaces: ["assumeRole"], deleteBeforeReplace: true });
            expect(await diff({ profile: "ops", assumeRole: ROLE })).to.deep.include({ replaces: ["profile", "assumeRole"] });
            expect([...aws.timestream.calls(), ...aws.kms.calls()]).to.have.length(0);
        });

        it("asks STS nothing while the changed identity holds a value unknown until apply", async () => {
            expect(await diff({ assumeRole: { ...ROLE, roleArn: UNKNOWN } })).to.deep.include({ changes: true, replaces: [] });
            expect(await diff({ profile: UNKNOWN })).to.deep.include({ changes: true, replaces: [] });
            expect(aws.sts.calls()).to.have.length(0);
        });

        it("asks STS nothing when only the endpoint changes, which does not change the account", async () => {
            expect(await diff({ endpoint: "https://127.0.0.1:5000/" })).to.deep.include({ changes: true, replaces: [] });
            expect(aws.sts.calls()).to.have.length(0);
        });

        it("reports no change for the same role, with no STS call", async () => {
            expect(await diff({ assumeRole: { ...ROLE } }, { ...STATE, assumeRole: ROLE })).to.deep.include({ changes: false });
            expect(aws.sts.calls()).to.have.length(0);
        });
    });

    describe("the database a state recorded", () => {
        // Credentials of another account reach its own database of the same name.
        const elsewhere = () => holdDatabase(aws, database("metrics", keyArn(KEY_OLD), { Arn: `arn:aws:timestream:${REGION}:${OTHER_ACCOUNT}:database/metrics` }));
        const otherArn = `arn:aws:timestream:${REGION}:${OTHER_ACCOUNT}:database/metrics`;
        const expectRefusal = (error: DatabaseKmsKeyError, then: string) => {
            expect(error.code).to.equal("WrongAccount");
            expect(error.message).to.contain(`the credentials in use reach ${otherArn} (account ${OTHER_ACCOUNT}, ${REGION})`);
            expect(error.message).to.contain(`but this resource manages ${databaseArn("metrics")} (account ${ACCOUNT}, ${REGION})`);
            expect(error.message).to.contain(then).and.contain(`Run with credentials of account ${ACCOUNT}`);
            expect(error.message).to.contain(`; to move the resource to the other database, see "Moving a resource to another account" in the package's docs/accounts.md`);
        };

        it("refuses to refresh to another account's database of the same name, recording nothing", async () => {
            elsewhere();
            knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
            const error = await rejectionOf((await configuredProvider()).read("metrics", stateOf("metrics", keyArn(KEY_A))));
            expectRefusal(error, "Nothing was recorded");
        });

        it("refuses to update another account's database before any write", async () => {
            elsewhere();
            knowKey(aws, keyMetadata(KEY_B), keyArn(KEY_B));
            const error = await rejectionOf((await configuredProvider()).update("metrics", stateOf("metrics", keyArn(KEY_A)), { ...INPUTS, kmsKeyId: keyArn(KEY_B) }));
            expectRefusal(error, "Nothing was written");
            expect(aws.timestream.calls().map((c) => c.args[0].constructor.name)).to.deep.equal(["DescribeDatabaseCommand"]);
        });

        it("refuses to restore another account's database before any write", async () => {
            elsewhere();
            knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
            const state = stateOf("metrics", keyArn(KEY_A), { onDelete: "restore", owner: undefined });
            const error = await rejectionOf((await configuredProvider()).delete("metrics", state));
            expectRefusal(error, "Nothing was written");
            expect(aws.timestream.commandCalls(UpdateDatabaseCommand)).to.have.length(0);
        });
    });

    describe("account guards", () => {
        beforeEach(() => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
        });

        it("makes no STS call without guards", async () => {
            await (await configuredProvider()).create(INPUTS);
            expect(aws.sts.calls()).to.have.length(0);
        });

        it("refuses a create in an account aws:allowedAccountIds does not list, before any Timestream call", async () => {
            const provider = await configuredProvider({ "aws:allowedAccountIds": JSON.stringify(["999988887777"]) });
            const error = await rejectionOf(provider.create(INPUTS));
            expect(error.code).to.equal("WrongAccount");
            expect(error.message).to.contain(`account ${ACCOUNT}`).and.contain("aws:allowedAccountIds (999988887777)").and.contain("Nothing was written");
            expect(callerIdentityCalls()).to.equal(1);
            expect(aws.timestream.calls()).to.have.length(0);
        });

        it("asks STS once per identity, and proceeds in an allowed account", async () => {
            const provider = await configuredProvider({ "aws:allowedAccountIds": JSON.stringify([ACCOUNT]) });
            await provider.create(INPUTS);
            await provider.update("metrics", stateOf("metrics", keyArn(KEY_OLD)), INPUTS);
            expect(callerIdentityCalls()).to.equal(1);
            expect(aws.timestream.commandCalls(UpdateDatabaseCommand)).to.have.length(2);
        });

        it("asks STS again for another identity", async () => {
            const provider = await configuredProvider({ "aws:forbiddenAccountIds": JSON.stringify(["999988887777"]) });
            await provider.create(INPUTS);
            await provider.create({ ...INPUTS, profile: "other" });
            expect(callerIdentityCalls()).to.equal(2);
        });

        it("refuses a restore in a forbidden account before DescribeDatabase", async () => {
            const provider = await configuredProvider({ "aws:forbiddenAccountIds": JSON.stringify([ACCOUNT]) });
            const error = await rejectionOf(provider.delete("metrics", stateOf("metrics", keyArn(KEY_A), { onDelete: "restore" })));
            expect(error.code).to.equal("WrongAccount");
            expect(error.message).to.contain("aws:forbiddenAccountIds");
            expect(aws.timestream.commandCalls(DescribeDatabaseCommand)).to.have.length(0);
        });
    });

    describe("stack config that cannot be used", () => {
        it("fails every operation that calls AWS, naming the setting, before any call", async () => {
            const provider = await configuredProvider({ "aws:assumeRoles": "[{roleArn:" });
            for (const operation of [provider.create(INPUTS), provider.read("metrics", stateOf("metrics", keyArn(KEY_A)))]) {
                const error = await rejectionOf(operation);
                expect(error.code).to.equal("InvalidConfig");
                expect(error.message).to.contain("aws:assumeRoles must be JSON").and.contain("pulumi config set");
            }
            expect([...aws.timestream.calls(), ...aws.kms.calls(), ...aws.sts.calls()]).to.have.length(0);
        });

        it("refuses an endpoint over plain http that a state recorded before endpoints were checked, before any call", async () => {
            const provider = await configuredProvider();
            const state = stateOf("metrics", keyArn(KEY_A), { onDelete: "restore", endpoint: "http://timestream.corp.example:8080" });
            for (const operation of [provider.read("metrics", state), provider.delete("metrics", state)]) {
                const error = await rejectionOf(operation);
                expect(error.code).to.equal("InvalidConfig");
                expect(error.message).to.contain('endpoint "http://timestream.corp.example:8080"').and.contain("Fix the endpoint input and run `pulumi up`");
            }
            expect([...aws.timestream.calls(), ...aws.kms.calls(), ...aws.sts.calls()]).to.have.length(0);
        });

        it("fails check on a shared config endpoint_url over plain http, naming it, before any call", async () => {
            withConfigFile("[default]\nendpoint_url = http://aws.corp.example:8080\n");
            const { failures } = await (await configuredProvider()).check({}, INPUTS);
            expect(failures).to.deep.equal([
                {
                    property: "endpoint",
                    reason:
                        `the shared AWS config: endpoint_url of profile "default" in ${process.env.AWS_CONFIG_FILE} "http://aws.corp.example:8080" must use https: ` +
                        "over plain http the request's signature and any session token could be read and replayed on the way. " +
                        "Use https://, or plain http only for an emulator on this machine (localhost, 127.0.0.1, ::1)",
                },
            ]);
            expect([...aws.timestream.calls(), ...aws.kms.calls(), ...aws.sts.calls()]).to.have.length(0);
        });

        it("checks the profile input's section in the file aws:sharedConfigFiles names, and passes a good one", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-files-"));
            const file = path.join(dir, "config");
            fs.writeFileSync(file, "[profile keys]\nservices = corp\n[services corp]\nsso =\n  endpoint_url = http://sso.corp.example\n[profile good]\nregion = us-east-1\n");
            const provider = await configuredProvider({ "aws:sharedConfigFiles": JSON.stringify([file]) });
            const { failures } = await provider.check({}, { ...INPUTS, profile: "keys" });
            expect(failures!.map((f) => [f.property, f.reason.split(" must ")[0]])).to.deep.equal([
                ["endpoint", `the shared AWS config: sso.endpoint_url of services section "corp" in ${file} "http://sso.corp.example"`],
            ]);
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            expect((await provider.check({}, { ...INPUTS, profile: "good" })).failures).to.deep.equal([]);
        });

        it("fails every operation on a shared config endpoint over plain http, before any call", async () => {
            withConfigFile("[default]\nservices = corp\n[services corp]\nkms =\n  endpoint_url = http://kms.corp.example\n");
            const provider = await configuredProvider();
            const state = stateOf("metrics", keyArn(KEY_A), { onDelete: "restore" });
            const operations = [
                provider.create(INPUTS),
                provider.read("metrics", state),
                provider.diff("metrics", state, INPUTS),
                provider.update("metrics", state, { ...INPUTS, kmsKeyId: keyArn(KEY_B) }),
                provider.delete("metrics", state),
            ];
            for (const operation of operations) {
                const error = await rejectionOf(operation);
                expect(error.code).to.equal("InvalidConfig");
                expect(error.message).to.contain('kms.endpoint_url of services section "corp"').and.contain("must use https").and.contain("Fix or remove it and run again");
            }
            expect([...aws.timestream.calls(), ...aws.kms.calls(), ...aws.sts.calls()]).to.have.length(0);
        });

        it("fails an operation on AWS_ENDPOINT_URL_SSO over plain http, before any call", async () => {
            process.env.AWS_ENDPOINT_URL_SSO = "http://sso.corp.example:8080";
            const error = await rejectionOf((await configuredProvider()).create({ ...INPUTS, profile: "sso" }));
            expect(error.code).to.equal("InvalidConfig");
            expect(error.message).to.contain('the environment: AWS_ENDPOINT_URL_SSO "http://sso.corp.example:8080" must use https');
            expect([...aws.timestream.calls(), ...aws.kms.calls(), ...aws.sts.calls()]).to.have.length(0);
        });

        it("does not throw from configure, which the host would ignore afterwards", async () => {
            await configuredProvider({ "aws:allowedAccountIds": "nope" });
        });
    });
});
