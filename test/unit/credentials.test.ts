import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    accountProblem,
    assumeRoleProblem,
    clientCredentials,
    guardsAccounts,
    identityKey,
    identityOf,
    profileProblem,
    stackCredentialsOf,
} from "../../provider/credentials";
import { REGION, useCleanAwsEnv } from "./fixtures";

const ROLE = "arn:aws:iam::111111111111:role/timestream-keys";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Stack config as the host hands it over: structured values as JSON strings. */
const stack = (config: Record<string, unknown>) =>
    stackCredentialsOf((key) => {
        const value = config[key];
        return value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
    });

describe("credentials", () => {
    describe("stackCredentialsOf", () => {
        it("reads nothing from empty config", () => {
            expect(stack({})).to.deep.equal({
                profile: undefined,
                accessKey: undefined,
                secretKey: undefined,
                token: undefined,
                assumeRoles: [],
                allowedAccountIds: undefined,
                forbiddenAccountIds: undefined,
                files: undefined,
                problem: undefined,
            });
        });

        it("reads the keys, profile and account lists @pulumi/aws reads", () => {
            const read = stack({
                "aws:profile": "ops",
                "aws:accessKey": "AKIASTACK",
                "aws:secretKey": "stack-secret",
                "aws:token": "stack-token",
                "aws:allowedAccountIds": ["111111111111", "222222222222"],
            });
            expect(read).to.include({ profile: "ops", accessKey: "AKIASTACK", secretKey: "stack-secret", token: "stack-token", problem: undefined });
            expect(read.allowedAccountIds).to.deep.equal(["111111111111", "222222222222"]);
        });

        it("reads aws:assumeRoles as a chain, in order", () => {
            const roles = [{ roleArn: ROLE, externalId: "team-a" }, { roleArn: "arn:aws:iam::222222222222:role/next", duration: "1h" }];
            expect(stack({ "aws:assumeRoles": roles }).assumeRoles).to.deep.equal(roles);
        });

        it("reads the older single aws:assumeRole as a chain of one", () => {
            expect(stack({ "aws:assumeRole": { roleArn: ROLE, sessionName: "ci" } }).assumeRoles).to.deep.equal([{ roleArn: ROLE, sessionName: "ci" }]);
        });

        it("prefers aws:assumeRoles over aws:assumeRole", () => {
            const read = stack({ "aws:assumeRoles": [{ roleArn: ROLE }], "aws:assumeRole": { roleArn: "arn:aws:iam::222222222222:role/old" } });
            expect(read.assumeRoles).to.deep.equal([{ roleArn: ROLE }]);
        });

        it("reports config that is not JSON, naming the key", () => {
            expect(stack({ "aws:assumeRoles": "[{roleArn:" }).problem).to.contain("aws:assumeRoles must be JSON");
        });

        it("reports a bad role, naming the key and its index", () => {
            expect(stack({ "aws:assumeRoles": [{ roleArn: ROLE }, { roleArn: "role/x" }] }).problem).to.contain('aws:assumeRoles[1]: roleArn "role/x" must be an IAM role ARN');
            expect(stack({ "aws:assumeRole": { externalId: "x1" } }).problem).to.contain("aws:assumeRole: roleArn is required");
        });

        it("reports account lists that are not 12-digit IDs", () => {
            expect(stack({ "aws:allowedAccountIds": ["1234"] }).problem).to.contain("aws:allowedAccountIds must be a list of 12-digit AWS account IDs");
            expect(stack({ "aws:forbiddenAccountIds": "111111111111" }).problem).to.contain("aws:forbiddenAccountIds must be a list");
            expect(stack({ "aws:forbiddenAccountIds": "[1111" }).problem).to.contain("aws:forbiddenAccountIds must be JSON");
        });

        it("reports an access key without a secret key, and both account lists at once", () => {
            expect(stack({ "aws:accessKey": "AKIA" }).problem).to.contain("aws:accessKey and aws:secretKey must be set together");
            expect(stack({ "aws:allowedAccountIds": ["111111111111"], "aws:forbiddenAccountIds": ["222222222222"] }).problem).to.contain("not both");
        });

        it("reads aws:sharedConfigFiles and aws:sharedCredentialsFiles as the files of the stack's profile", () => {
            const read = stack({ "aws:sharedConfigFiles": ["/etc/aws/config"], "aws:sharedCredentialsFiles": ["~/.aws/ci-credentials"] });
            expect(read.files).to.deep.equal({ config: "/etc/aws/config", credentials: "~/.aws/ci-credentials" });
            expect(read.problem).to.equal(undefined);
        });

        it("reads one shared file without the other", () => {
            expect(stack({ "aws:sharedConfigFiles": ["/etc/aws/config"] }).files).to.deep.equal({ config: "/etc/aws/config", credentials: undefined });
            expect(stack({ "aws:sharedCredentialsFiles": ["/etc/aws/credentials"] }).files).to.deep.equal({ config: undefined, credentials: "/etc/aws/credentials" });
        });
    });

    describe("assumeRoleProblem", () => {
        it("accepts a role with every field @pulumi/aws knows, the session length as duration or as durationSeconds", () => {
            const role = {
                roleArn: ROLE,
                externalId: "ext-id_1",
                sessionName: "pulumi",
                policy: "{}",
                policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                tags: { team: "a" },
                transitiveTagKeys: ["team"],
                sourceIdentity: "me",
            };
            expect(assumeRoleProblem({ ...role, durationSeconds: 3600 })).to.equal(undefined);
            expect(assumeRoleProblem({ ...role, duration: "1h30m" })).to.equal(undefined);
        });

        for (const [what, role, problem] of [
            ["a string", "arn:aws:iam::111111111111:role/x", "must be an object with a roleArn"],
            ["a list", [ROLE], "must be an object with a roleArn"],
            ["no roleArn", {}, "roleArn is required"],
            ["a user ARN", { roleArn: "arn:aws:iam::111111111111:user/x" }, "must be an IAM role ARN"],
            ["an 11-digit account", { roleArn: "arn:aws:iam::11111111111:role/x" }, "must be an IAM role ARN"],
            ["junk after the ARN", { roleArn: `${ROLE} x` }, "must be an IAM role ARN"],
            ["a one-character external ID", { roleArn: ROLE, externalId: "x" }, "externalId must be 2-1224"],
            ["a session name with spaces", { roleArn: ROLE, sessionName: "my session" }, "sessionName must be 2-64"],
            ["a duration under 15 minutes", { roleArn: ROLE, durationSeconds: 899 }, "durationSeconds must be a whole number from 900 to 43200"],
            ["a duration over 12 hours", { roleArn: ROLE, durationSeconds: 43_201 }, "durationSeconds must be a whole number"],
            ["a fractional duration", { roleArn: ROLE, durationSeconds: 1000.5 }, "durationSeconds must be a whole number"],
            ["a duration string in days", { roleArn: ROLE, duration: "1d" }, 'duration must be a duration from 15 minutes to 12 hours, such as "15m"'],
            ["an empty duration string", { roleArn: ROLE, duration: "" }, "duration must be a duration"],
            ["tags that are not strings", { roleArn: ROLE, tags: { n: 1 } }, "tags must map at most 50 tag keys"],
            ["policy ARNs that are not a list", { roleArn: ROLE, policyArns: "arn" }, "policyArns must be a list"],
        ] as const) {
            it(`refuses ${what}`, () => expect(assumeRoleProblem(role)).to.contain(problem));
        }

        it("passes values unknown during preview, whole or per field", () => {
            expect(assumeRoleProblem(UNKNOWN, UNKNOWN)).to.equal(undefined);
            expect(assumeRoleProblem({ roleArn: UNKNOWN, externalId: UNKNOWN }, UNKNOWN)).to.equal(undefined);
        });
    });

    describe("identityOf", () => {
        const keys = stack({ "aws:accessKey": "AKIASTACK", "aws:secretKey": "s", "aws:token": "t", "aws:assumeRoles": [{ roleArn: ROLE }] });

        it("uses the stack's keys and role chain when the resource says nothing", () => {
            expect(identityOf(keys, {})).to.deep.equal({
                profile: undefined,
                keys: { accessKeyId: "AKIASTACK", secretAccessKey: "s", sessionToken: "t" },
                roles: [{ roleArn: ROLE }],
                files: undefined,
            });
        });

        it("lets the resource's profile win over the stack's keys and profile", () => {
            expect(identityOf({ ...keys, profile: "stack" }, { profile: "mine" })).to.deep.include({ profile: "mine", keys: undefined });
        });

        it("lets the resource's assumeRole replace the stack's chain", () => {
            const mine = { roleArn: "arn:aws:iam::222222222222:role/mine" };
            expect(identityOf(keys, { assumeRole: mine }).roles).to.deep.equal([mine]);
        });

        it("uses aws:profile when the stack has no keys", () => {
            expect(identityOf(stack({ "aws:profile": "ops" }), {})).to.deep.equal({ profile: "ops", keys: undefined, roles: [], files: undefined });
        });

        it("reads the profile, the stack's or the resource's, from the stack's shared files", () => {
            const files = stack({ "aws:profile": "ops", "aws:sharedConfigFiles": ["/etc/aws/config"] });
            expect(identityOf(files, {})).to.deep.equal({ profile: "ops", keys: undefined, roles: [], files: { config: "/etc/aws/config", credentials: undefined } });
            expect(identityOf(files, { profile: "mine" }).files).to.deep.equal({ config: "/etc/aws/config", credentials: undefined });
        });
    });

    describe("identityKey", () => {
        it("tells identities apart without holding a secret key or token", () => {
            const key = identityKey({ keys: { accessKeyId: "AKIASTACK", secretAccessKey: "very-secret", sessionToken: "token-secret" }, roles: [] });
            expect(key).to.contain("AKIASTACK").and.not.contain("very-secret").and.not.contain("token-secret");
            expect(identityKey({ roles: [{ roleArn: ROLE }] })).to.not.equal(identityKey({ roles: [] }));
            expect(identityKey({ profile: "a", roles: [] })).to.not.equal(identityKey({ profile: "b", roles: [] }));
        });

        it("tells apart the same profile read from other shared files", () => {
            const a = identityKey({ profile: "ops", roles: [], files: { config: "/a/config" } });
            expect(a).to.not.equal(identityKey({ profile: "ops", roles: [], files: { config: "/b/config" } }));
            expect(a).to.not.equal(identityKey({ profile: "ops", roles: [] }));
        });
    });

    describe("clientCredentials", () => {
        it("leaves the default identity to each client's own default chain", () => {
            expect(clientCredentials({ roles: [] }, REGION)).to.deep.equal({});
        });

        it("gives a profile and one shared credential provider for it", () => {
            const given = clientCredentials({ profile: "ops", roles: [] }, REGION);
            expect(given.profile).to.equal("ops");
            expect(given.credentials).to.be.a("function");
        });

        it("gives static keys as a credential provider", async () => {
            const { credentials } = clientCredentials({ keys: { accessKeyId: "AKIASTACK", secretAccessKey: "s" }, roles: [] }, REGION);
            expect(await credentials!()).to.deep.equal({ accessKeyId: "AKIASTACK", secretAccessKey: "s" });
        });

        it("gives a credential provider for a role chain", () => {
            expect(clientCredentials({ roles: [{ roleArn: ROLE }] }, REGION).credentials).to.be.a("function");
        });

        describe("with the stack's shared files", () => {
            useCleanAwsEnv();
            let dir: string;
            before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-credentials-files-"))));
            after(() => fs.rmSync(dir, { recursive: true, force: true }));

            it("reads the profile's keys from the stack's credentials file, not AWS_SHARED_CREDENTIALS_FILE", async () => {
                for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) delete process.env[name];
                const credentialsFile = path.join(dir, "credentials");
                fs.writeFileSync(credentialsFile, "[ops]\naws_access_key_id = AKIAFILESTEST0000001\naws_secret_access_key = filesTestSecret\n");
                process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, "environment-credentials");
                fs.writeFileSync(process.env.AWS_SHARED_CREDENTIALS_FILE, "[ops]\naws_access_key_id = AKIAENVIRONMENT00001\naws_secret_access_key = environmentSecret\n");
                const given = clientCredentials({ profile: "ops", roles: [], files: { credentials: credentialsFile } }, REGION);
                expect(given.profile).to.equal("ops");
                expect(await given.credentials!()).to.include({ accessKeyId: "AKIAFILESTEST0000001", secretAccessKey: "filesTestSecret" });
            });

            it("gives a credential provider, not the clients' default chain, when only the files are set", () => {
                const given = clientCredentials({ roles: [], files: { config: path.join(dir, "config") } }, REGION);
                expect(given.profile).to.equal(undefined);
                expect(given.credentials).to.be.a("function");
            });
        });
    });

    describe("profileProblem", () => {
        useCleanAwsEnv();
        let dir: string;
        let made = 0;
        /** New files (a directory of their own: the SDK caches shared files by path) holding `texts`; their paths. */
        const filesHolding = (texts: { config?: string; credentials?: string }) => {
            const own = path.join(dir, String((made += 1)));
            fs.mkdirSync(own);
            const config = path.join(own, "config");
            const credentials = path.join(own, "credentials");
            if (texts.config !== undefined) fs.writeFileSync(config, texts.config);
            if (texts.credentials !== undefined) fs.writeFileSync(credentials, texts.credentials);
            return { config, credentials };
        };
        /** The files of `texts` as AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (useCleanAwsEnv puts them back). */
        const inEnvironment = (texts: { config?: string; credentials?: string }) => {
            const files = filesHolding(texts);
            process.env.AWS_CONFIG_FILE = files.config;
            process.env.AWS_SHARED_CREDENTIALS_FILE = files.credentials;
            return files;
        };
        const missing = (profile: string, config: string, credentials: string) =>
            `profile "${profile}" is not in the shared AWS config (${config}, ${credentials}): add it (aws configure --profile NAME, or aws configure sso) or fix the name`;

        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-profiles-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("finds [profile ops] in the config file", async () => {
            inEnvironment({ config: "[profile ops]\nregion = eu-west-1\n" });
            expect(await profileProblem("ops")).to.equal(undefined);
        });

        it("finds [ops] in the credentials file", async () => {
            inEnvironment({ credentials: "[ops]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = s\n" });
            expect(await profileProblem("ops")).to.equal(undefined);
        });

        it("finds [default] in the config file and in the credentials file", async () => {
            inEnvironment({ config: "[default]\nregion = eu-west-1\n" });
            expect(await profileProblem("default")).to.equal(undefined);
            inEnvironment({ credentials: "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s\n" });
            expect(await profileProblem("default")).to.equal(undefined);
        });

        it("reads the files it is given instead of AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE", async () => {
            const environment = inEnvironment({ config: "[profile ops]\nregion = eu-west-1\n" });
            const given = filesHolding({ config: "[profile dev]\nregion = eu-west-1\n", credentials: "[ci]\naws_access_key_id = AKIACI\n" });
            expect(await profileProblem("dev", given)).to.equal(undefined);
            expect(await profileProblem("ci", given)).to.equal(undefined);
            expect(await profileProblem("ops", given)).to.equal(missing("ops", given.config, given.credentials));
            expect(await profileProblem("ops")).to.equal(undefined, `${environment.config} has it`);
        });

        it("names a missing profile and the files it looked in, and says what to do", async () => {
            const files = inEnvironment({ config: "[profile ops]\nregion = eu-west-1\n", credentials: "[ci]\naws_access_key_id = AKIACI\n" });
            expect(await profileProblem("opz")).to.equal(missing("opz", files.config, files.credentials));
        });

        it("names the environment's file for the kind the given files leave out", async () => {
            const environment = inEnvironment({});
            const given = filesHolding({ config: "[profile dev]\nregion = eu-west-1\n" });
            expect(await profileProblem("ops", { config: given.config })).to.equal(missing("ops", given.config, environment.credentials));
        });

        it("names ~/.aws when neither the files nor the environment name any", async () => {
            delete process.env.AWS_CONFIG_FILE;
            delete process.env.AWS_SHARED_CREDENTIALS_FILE;
            process.env.HOME = dir;
            expect(await profileProblem("ops")).to.equal(missing("ops", "~/.aws/config", "~/.aws/credentials"));
        });

        it("does not find [ops] in the config file, which names profiles [profile ops], as the SDK reads it", async () => {
            const files = inEnvironment({ config: "[ops]\nregion = eu-west-1\n" });
            expect(await profileProblem("ops")).to.equal(missing("ops", files.config, files.credentials));
        });

        it("does not take an sso-session or services section for a profile", async () => {
            const files = inEnvironment({ config: "[sso-session corp]\nsso_region = eu-west-1\n[services local]\nkms =\n  endpoint_url = http://localhost:4566\n" });
            expect(await profileProblem("sso-session.corp")).to.equal(missing("sso-session.corp", files.config, files.credentials));
            expect(await profileProblem("services.local")).to.equal(missing("services.local", files.config, files.credentials));
        });

        it("does not find a profile named __proto__, constructor or toString, without a crash", async () => {
            const files = inEnvironment({ config: "[profile ops]\nregion = eu-west-1\n", credentials: "[ci]\naws_access_key_id = AKIACI\n" });
            for (const profile of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
                expect(await profileProblem(profile), profile).to.equal(missing(profile, files.config, files.credentials));
            }
        });

        it("does not find a profile in a file that does not exist, and names that file", async () => {
            const nowhere = path.join(dir, "no-such-dir");
            const given = { config: path.join(nowhere, "config"), credentials: path.join(nowhere, "credentials") };
            expect(await profileProblem("ops", given)).to.equal(missing("ops", given.config, given.credentials));
        });

        it("reads the files afresh each time", async () => {
            const files = inEnvironment({ config: "[profile ops]\nregion = eu-west-1\n" });
            expect(await profileProblem("dev")).to.equal(missing("dev", files.config, files.credentials));
            fs.writeFileSync(files.config, "[profile ops]\nregion = eu-west-1\n[profile dev]\nregion = eu-west-1\n");
            expect(await profileProblem("dev")).to.equal(undefined);
        });
    });

    describe("account guards", () => {
        it("refuses an account aws:allowedAccountIds does not list, naming both", () => {
            const allowed = stack({ "aws:allowedAccountIds": ["111111111111"] });
            expect(guardsAccounts(allowed)).to.equal(true);
            expect(accountProblem(allowed, "111111111111")).to.equal(undefined);
            expect(accountProblem(allowed, "222222222222")).to.contain("account 222222222222").and.contain("aws:allowedAccountIds (111111111111)");
        });

        it("refuses an account aws:forbiddenAccountIds lists", () => {
            const forbidden = stack({ "aws:forbiddenAccountIds": ["222222222222"] });
            expect(accountProblem(forbidden, "222222222222")).to.contain("aws:forbiddenAccountIds");
            expect(accountProblem(forbidden, "111111111111")).to.equal(undefined);
        });

        it("guards nothing when neither is set", () => {
            expect(guardsAccounts(stack({}))).to.equal(false);
            expect(accountProblem(stack({}), "222222222222")).to.equal(undefined);
        });
    });
});
