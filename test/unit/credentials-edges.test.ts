/**
 * The edges of provider/credentials.ts that credentials.test.ts leaves open (issue 13): the AssumeRole request a role
 * becomes, how long an assumed session is shared, each field rule of a role, and the stack config rules at their
 * boundaries.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
// The STS client the SDK's fromTemporaryCredentials uses for AssumeRole.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/nested-clients/sts";
import { AssumeRole, accountProblem, assumeRoleProblem, clientCredentials, identityOf, stackCredentialsOf } from "../../provider/credentials";
import { REGION } from "./fixtures";

const ROLE = "arn:aws:iam::111111111111:role/timestream-keys";
const KEYS = { accessKeyId: "AKIASTACK", secretAccessKey: "stack-secret" };
const MINUTE = 60_000;

const stack = (config: Record<string, unknown>) =>
    stackCredentialsOf((key) => {
        const value = config[key];
        return value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
    });

/** An object without its undefined values, as they would be sent. */
const sent = (input: object) => Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));

describe("credentials: edges", () => {
    describe("clientCredentials with roles to assume", () => {
        const sts = mockClient(STSClient);
        let answers = 0;
        let answered: string[] = [];

        /**
         * STS answers AssumeRole with a session that expires `expiresIn` ms from now (none when undefined), after
         * resolving the calling client's own credentials as a real request would (in a chain, the previous role's).
         */
        function sessionsExpiringIn(expiresIn: number | undefined) {
            sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }, getClient: () => STSClient) => {
                await getClient().config.credentials();
                answers += 1;
                answered.push(input.RoleArn);
                return {
                    Credentials: {
                        AccessKeyId: `ASIASESSION${answers}`,
                        SecretAccessKey: "session-secret",
                        SessionToken: "session-token",
                        Expiration: expiresIn === undefined ? undefined : new Date(Date.now() + expiresIn),
                    },
                };
            });
        }
        const assumed = () => sts.commandCalls(AssumeRoleCommand).map((c) => sent(c.args[0].input));

        beforeEach(() => {
            sts.reset();
            answers = 0;
            answered = [];
        });
        after(() => sts.restore());

        it("assumes a role with the default session name when the role names none", async () => {
            sessionsExpiringIn(60 * MINUTE);
            const { credentials } = clientCredentials({ keys: KEYS, roles: [{ roleArn: ROLE }] }, REGION);
            expect(await credentials!()).to.include({ accessKeyId: "ASIASESSION1", secretAccessKey: "session-secret", sessionToken: "session-token" });
            expect(assumed()).to.deep.equal([{ RoleArn: ROLE, RoleSessionName: "pulumi-timestream-kms" }]);
        });

        it("sends every field of the role in STS's terms, with a Go duration in seconds", async () => {
            sessionsExpiringIn(60 * MINUTE);
            const role: AssumeRole = {
                roleArn: ROLE,
                externalId: "team-a",
                sessionName: "ci",
                duration: "1h30m15s",
                policy: '{"Version":"2012-10-17"}',
                policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                tags: { team: "a", env: "prod" },
                transitiveTagKeys: ["team"],
                sourceIdentity: "me",
            };
            await clientCredentials({ keys: KEYS, roles: [role] }, REGION).credentials!();
            expect(assumed()).to.deep.equal([
                {
                    RoleArn: ROLE,
                    RoleSessionName: "ci",
                    ExternalId: "team-a",
                    DurationSeconds: 5415,
                    Policy: '{"Version":"2012-10-17"}',
                    PolicyArns: [{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }],
                    Tags: [
                        { Key: "team", Value: "a" },
                        { Key: "env", Value: "prod" },
                    ],
                    TransitiveTagKeys: ["team"],
                    SourceIdentity: "me",
                },
            ]);
        });

        for (const [duration, seconds] of [
            ["2h", 7200],
            ["90m", 5400],
            ["45s", 45],
            ["1h1s", 3601],
        ] as const) {
            it(`asks for ${seconds} seconds for a duration of "${duration}"`, async () => {
                sessionsExpiringIn(60 * MINUTE);
                await clientCredentials({ keys: KEYS, roles: [{ roleArn: ROLE, duration }] }, REGION).credentials!();
                expect(assumed().map((input) => input.DurationSeconds)).to.deep.equal([seconds]);
            });
        }

        it("prefers durationSeconds to duration", async () => {
            sessionsExpiringIn(60 * MINUTE);
            await clientCredentials({ keys: KEYS, roles: [{ roleArn: ROLE, durationSeconds: 1000, duration: "1h" }] }, REGION).credentials!();
            expect(assumed().map((input) => input.DurationSeconds)).to.deep.equal([1000]);
        });

        it("assumes a chain of roles in order", async () => {
            sessionsExpiringIn(60 * MINUTE);
            const second = "arn:aws:iam::222222222222:role/timestream-keys";
            const identity = await clientCredentials({ keys: KEYS, roles: [{ roleArn: ROLE }, { roleArn: second, sessionName: "hop" }] }, REGION).credentials!();
            expect(answered, "the first role is assumed first, with the stack's keys").to.deep.equal([ROLE, second]);
            expect(assumed()).to.have.deep.members([
                { RoleArn: ROLE, RoleSessionName: "pulumi-timestream-kms" },
                { RoleArn: second, RoleSessionName: "hop" },
            ]);
            expect(identity.accessKeyId, "the calls use the last role's session").to.equal("ASIASESSION2");
        });

        it("shares one session among calls while it has more than five minutes left", async () => {
            sessionsExpiringIn(6 * MINUTE);
            const { credentials } = clientCredentials({ keys: KEYS, roles: [{ roleArn: ROLE }] }, REGION);
            const [first, second] = await Promise.all([credentials!(), credentials!()]);
            const third = await credentials!();
            expect([first, second, third].map((c) => c.accessKeyId)).to.deep.equal(["ASIASESSION1", "ASIASESSION1", "ASIASESSION1"]);
            expect(assumed()).to.have.length(1);
        });

        it("assumes the role again once the session has five minutes or less left", async () => {
            sessionsExpiringIn(4 * MINUTE);
            const { credentials } = clientCredentials({ keys: KEYS, roles: [{ roleArn: ROLE }] }, REGION);
            expect((await credentials!()).accessKeyId).to.equal("ASIASESSION1");
            expect((await credentials!()).accessKeyId).to.equal("ASIASESSION2");
            expect(assumed()).to.have.length(2);
        });

        it("keeps a session STS gives no expiry for", async () => {
            sessionsExpiringIn(undefined);
            const { credentials } = clientCredentials({ keys: KEYS, roles: [{ roleArn: ROLE }] }, REGION);
            await credentials!();
            await credentials!();
            expect(assumed()).to.have.length(1);
        });

        it("keeps no failure: the next call assumes the role again", async () => {
            sts.on(AssumeRoleCommand)
                .rejectsOnce(Object.assign(new Error("denied"), { name: "AccessDenied" }))
                .resolves({ Credentials: { AccessKeyId: "ASIAAFTER", SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 60 * MINUTE) } });
            const { credentials } = clientCredentials({ keys: KEYS, roles: [{ roleArn: ROLE }] }, REGION);
            const failure = await credentials!().then(
                () => undefined,
                (error: Error) => error,
            );
            expect(failure?.message).to.equal("denied");
            expect((await credentials!()).accessKeyId).to.equal("ASIAAFTER");
            expect(assumed()).to.have.length(2);
        });
    });

    describe("assumeRoleProblem", () => {
        it("refuses something that is not an object", () => {
            for (const value of [null, 42, [ROLE]]) expect(assumeRoleProblem(value), String(value)).to.equal("must be an object with a roleArn");
        });

        it("accepts a role ARN of another partition and durations at both limits", () => {
            expect(assumeRoleProblem({ roleArn: "arn:aws-cn:iam::111111111111:role/x" })).to.equal(undefined);
            expect(assumeRoleProblem({ roleArn: ROLE, durationSeconds: 900 })).to.equal(undefined);
            expect(assumeRoleProblem({ roleArn: ROLE, durationSeconds: 43_200 })).to.equal(undefined);
        });

        it("accepts Go durations of hours, minutes or seconds alone, with any number of digits", () => {
            for (const duration of ["12h", "90m", "45s", "1h30m", "2h45m10s"]) expect(assumeRoleProblem({ roleArn: ROLE, duration }), duration).to.equal(undefined);
        });

        it("accepts an external ID of letters, digits and +=,.@:/-", () => {
            expect(assumeRoleProblem({ roleArn: ROLE, externalId: "a+=,.@:/-_9" })).to.equal(undefined);
        });

        const problems: [string, Record<string, unknown>, string][] = [
            ["a role ARN with anything before it", { roleArn: `x${ROLE}` }, `roleArn "x${ROLE}" must be an IAM role ARN such as arn:aws:iam::111111111111:role/NAME`],
            ["a role ARN that is not a string", { roleArn: 42 }, 'roleArn "42" must be an IAM role ARN such as arn:aws:iam::111111111111:role/NAME'],
            ["an external ID with anything before it", { roleArn: ROLE, externalId: "!ab" }, "externalId must be 2-1224 characters of letters, digits and +=,.@:/-"],
            ["an external ID with anything after it", { roleArn: ROLE, externalId: "ab!" }, "externalId must be 2-1224 characters of letters, digits and +=,.@:/-"],
            ["a duration that is not a string", { roleArn: ROLE, duration: 3600 }, 'duration must be a duration such as "15m" or "1h"'],
            ["a policy that is not a string", { roleArn: ROLE, policy: { Version: "2012-10-17" } }, "policy must be a JSON policy string"],
            ["policy ARNs with one that is not a string", { roleArn: ROLE, policyArns: ["arn:aws:iam::aws:policy/x", 1] }, "policyArns must be a list of policy ARNs"],
            ["tags that are null", { roleArn: ROLE, tags: null }, "tags must map tag keys to strings"],
            ["tags that are a string", { roleArn: ROLE, tags: "team=a" }, "tags must map tag keys to strings"],
            ["tags with one value that is not a string", { roleArn: ROLE, tags: { team: "a", n: 1 } }, "tags must map tag keys to strings"],
            ["transitive tag keys that are not a list", { roleArn: ROLE, transitiveTagKeys: "team" }, "transitiveTagKeys must be a list of tag keys"],
            ["transitive tag keys with one that is not a string", { roleArn: ROLE, transitiveTagKeys: ["team", 1] }, "transitiveTagKeys must be a list of tag keys"],
            ["a source identity that is not a string", { roleArn: ROLE, sourceIdentity: 7 }, "sourceIdentity must be a string"],
        ];
        for (const [what, role, problem] of problems) {
            it(`refuses ${what}, saying exactly why`, () => expect(assumeRoleProblem(role)).to.equal(problem));
        }

        it("quotes the first 80 characters of a role ARN it refuses", () => {
            const roleArn = `${"r".repeat(80)}TAIL`;
            expect(assumeRoleProblem({ roleArn })).to.equal(`roleArn "${"r".repeat(80)}" must be an IAM role ARN such as arn:aws:iam::111111111111:role/NAME`);
        });
    });

    describe("stackCredentialsOf", () => {
        it("says which setting is wrong after 'stack config: '", () => {
            expect(stack({ "aws:accessKey": "AKIA" }).problem).to.equal("stack config: aws:accessKey and aws:secretKey must be set together");
        });

        it("reports no problem for a valid role chain", () => {
            expect(stack({ "aws:assumeRoles": [{ roleArn: ROLE }] }).problem).to.equal(undefined);
        });

        it("reads aws:assumeRoles given as one object as a chain of one", () => {
            expect(stack({ "aws:assumeRoles": { roleArn: ROLE } }).assumeRoles).to.deep.equal([{ roleArn: ROLE }]);
        });

        it("refuses an account list with any entry that is not 12 digits alone", () => {
            for (const ids of [["111111111111", 5], ["111111111111", "x222222222222"], ["1111111111112"]]) {
                expect(stack({ "aws:allowedAccountIds": ids }).problem, JSON.stringify(ids)).to.equal("stack config: aws:allowedAccountIds must be a list of 12-digit AWS account IDs");
            }
        });
    });

    describe("accountProblem", () => {
        it("names the account aws:forbiddenAccountIds lists", () => {
            expect(accountProblem(stack({ "aws:forbiddenAccountIds": ["222222222222"] }), "222222222222")).to.equal(
                "the credentials in use are of AWS account 222222222222, which aws:forbiddenAccountIds lists",
            );
        });
    });

    describe("identityOf", () => {
        it("is the default identity for empty stack config and no inputs", () => {
            expect(identityOf(stack({}), {})).to.deep.equal({ profile: undefined, keys: undefined, roles: [] });
        });

        it("uses the stack's keys, not its profile, when both are set", () => {
            const identity = identityOf(stack({ "aws:profile": "ops", "aws:accessKey": "AKIASTACK", "aws:secretKey": "s", "aws:token": "t" }), {});
            expect(identity).to.deep.equal({ profile: undefined, keys: { accessKeyId: "AKIASTACK", secretAccessKey: "s", sessionToken: "t" }, roles: [] });
        });

        it("uses the profile input over the stack's keys", () => {
            const identity = identityOf(stack({ "aws:accessKey": "AKIASTACK", "aws:secretKey": "s" }), { profile: "dev" });
            expect(identity).to.deep.equal({ profile: "dev", keys: undefined, roles: [] });
        });
    });
});
