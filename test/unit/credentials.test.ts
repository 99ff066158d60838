import { expect } from "chai";
import {
    accountProblem,
    assumeRoleProblem,
    clientCredentials,
    guardsAccounts,
    identityKey,
    identityOf,
    stackCredentialsOf,
} from "../../provider/credentials";
import { REGION } from "./fixtures";

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
    });

    describe("assumeRoleProblem", () => {
        it("accepts a role with every field @pulumi/aws knows", () => {
            const role = {
                roleArn: ROLE,
                externalId: "ext-id_1",
                sessionName: "pulumi",
                durationSeconds: 3600,
                duration: "1h30m",
                policy: "{}",
                policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                tags: { team: "a" },
                transitiveTagKeys: ["team"],
                sourceIdentity: "me",
            };
            expect(assumeRoleProblem(role)).to.equal(undefined);
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
            ["a duration string in days", { roleArn: ROLE, duration: "1d" }, 'duration must be a duration such as "15m"'],
            ["an empty duration string", { roleArn: ROLE, duration: "" }, "duration must be a duration"],
            ["tags that are not strings", { roleArn: ROLE, tags: { n: 1 } }, "tags must map tag keys to strings"],
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
            expect(identityOf(stack({ "aws:profile": "ops" }), {})).to.deep.equal({ profile: "ops", keys: undefined, roles: [] });
        });
    });

    describe("identityKey", () => {
        it("tells identities apart without holding a secret key or token", () => {
            const key = identityKey({ keys: { accessKeyId: "AKIASTACK", secretAccessKey: "very-secret", sessionToken: "token-secret" }, roles: [] });
            expect(key).to.contain("AKIASTACK").and.not.contain("very-secret").and.not.contain("token-secret");
            expect(identityKey({ roles: [{ roleArn: ROLE }] })).to.not.equal(identityKey({ roles: [] }));
            expect(identityKey({ profile: "a", roles: [] })).to.not.equal(identityKey({ profile: "b", roles: [] }));
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
