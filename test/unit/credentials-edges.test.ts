/**
 * The edges of provider/credentials.ts that credentials.test.ts leaves open (issues 13 and 18): the AssumeRole request a
 * role becomes, how long an assumed session is shared, each field rule of a role at STS's documented limits (just inside
 * and just outside), unknown fields, values unknown during preview at every depth, secrets never echoed, and the stack
 * config rules at their boundaries.
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
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

// The rule of each field of a role, as assumeRoleProblem states it.
const EXTERNAL_ID = "externalId must be 2-1224 characters of letters, digits and +=,.@:/-";
const SESSION_NAME = "sessionName must be 2-64 characters of letters, digits and +=,.@-";
const DURATION = 'duration must be a duration from 15 minutes to 12 hours, such as "15m" or "1h"';
const POLICY = "policy must be an IAM policy as a JSON object of at most 2048 characters (U+0020 to U+00FF, tabs and newlines)";
const POLICY_ARNS = "policyArns must be a list of at most 10 IAM policy ARNs such as arn:aws:iam::aws:policy/ReadOnlyAccess";
const TAGS =
    "tags must map at most 50 tag keys (1-128 characters, not starting with aws:) to values of at most 256 characters of letters, digits, spaces and _.:/=+-@";
const TRANSITIVE_TAG_KEYS = "transitiveTagKeys must be a list of at most 50 tag keys";
const SOURCE_IDENTITY = "sourceIdentity must be 2-64 characters of letters, digits and +=,.@-, not starting with aws:";
const FIELDS = "(the fields are roleArn, externalId, sessionName, durationSeconds, duration, policy, policyArns, tags, transitiveTagKeys, sourceIdentity)";
/** A role ARN refused, as the message quotes it. */
const roleArnRule = (quoted: string) => `roleArn "${quoted}" must be an IAM role ARN such as arn:aws:iam::111111111111:role/NAME`;

/** A JSON object of exactly `length` characters (at least 8), its padding made of `pad`. */
const policyOf = (length: number, pad = "x") => `{"a":"${pad.repeat(length - 8)}"}`;
/** `count` tags (or keys) named k1, k2, …. */
const tagsOf = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i + 1}`, "v"]));
const keysOf = (count: number) => Array.from({ length: count }, (_, i) => `k${i + 1}`);
const policyArnsOf = (count: number) => Array.from({ length: count }, (_, i) => `arn:aws:iam::aws:policy/P${i + 1}`);

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
            ["900s", 900],
            ["1h1s", 3601],
            ["1.5h", 5400],
            [".5h", 1800],
            ["+15m", 900],
            ["15m0.5s", 900],
        ] as const) {
            it(`asks for ${seconds} seconds for a duration of "${duration}"`, async () => {
                sessionsExpiringIn(60 * MINUTE);
                await clientCredentials({ keys: KEYS, roles: [{ roleArn: ROLE, duration }] }, REGION).credentials!();
                expect(assumed().map((input) => input.DurationSeconds)).to.deep.equal([seconds]);
            });
        }

        it("sends durationSeconds, not duration, for a role with both (which assumeRoleProblem refuses)", async () => {
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

        it("accepts Go durations of hours, minutes or seconds alone or together, with any number of digits", () => {
            for (const duration of ["12h", "90m", "900s", "43200s", "1h30m", "2h45m10s"]) expect(assumeRoleProblem({ roleArn: ROLE, duration }), duration).to.equal(undefined);
        });

        it("accepts an external ID of letters, digits and +=,.@:/-", () => {
            expect(assumeRoleProblem({ roleArn: ROLE, externalId: "a+=,.@:/-_9" })).to.equal(undefined);
        });

        const problems: [string, Record<string, unknown>, string][] = [
            ["a role ARN with anything before it", { roleArn: `x${ROLE}` }, `roleArn "x${ROLE}" must be an IAM role ARN such as arn:aws:iam::111111111111:role/NAME`],
            ["a role ARN that is not a string", { roleArn: 42 }, "roleArn must be an IAM role ARN such as arn:aws:iam::111111111111:role/NAME"],
            ["an external ID with anything before it", { roleArn: ROLE, externalId: "!ab" }, "externalId must be 2-1224 characters of letters, digits and +=,.@:/-"],
            ["an external ID with anything after it", { roleArn: ROLE, externalId: "ab!" }, "externalId must be 2-1224 characters of letters, digits and +=,.@:/-"],
            ["a duration that is not a string", { roleArn: ROLE, duration: 3600 }, DURATION],
            ["a policy that is not a string", { roleArn: ROLE, policy: { Version: "2012-10-17" } }, POLICY],
            ["policy ARNs with one that is not a string", { roleArn: ROLE, policyArns: ["arn:aws:iam::aws:policy/x", 1] }, POLICY_ARNS],
            ["tags that are null", { roleArn: ROLE, tags: null }, TAGS],
            ["tags that are a string", { roleArn: ROLE, tags: "team=a" }, TAGS],
            ["tags with one value that is not a string", { roleArn: ROLE, tags: { team: "a", n: 1 } }, TAGS],
            ["transitive tag keys that are not a list", { roleArn: ROLE, transitiveTagKeys: "team" }, TRANSITIVE_TAG_KEYS],
            ["transitive tag keys with one that is not a string", { roleArn: ROLE, transitiveTagKeys: ["team", 1] }, TRANSITIVE_TAG_KEYS],
            ["a source identity that is not a string", { roleArn: ROLE, sourceIdentity: 7 }, SOURCE_IDENTITY],
        ];
        for (const [what, role, problem] of problems) {
            it(`refuses ${what}, saying exactly why`, () => expect(assumeRoleProblem(role)).to.equal(problem));
        }

        it("quotes the first 80 characters of a role ARN it refuses", () => {
            const roleArn = `${"r".repeat(80)}TAIL`;
            expect(assumeRoleProblem({ roleArn })).to.equal(`roleArn "${"r".repeat(80)}" must be an IAM role ARN such as arn:aws:iam::111111111111:role/NAME`);
        });

        describe("each field at STS's documented limits", () => {
            const cases: [string, Record<string, unknown>, string | undefined][] = [
                ["a role name of one character", { roleArn: "arn:aws:iam::111111111111:role/x" }, undefined],
                ["a role ARN with no role name", { roleArn: "arn:aws:iam::111111111111:role/" }, roleArnRule("arn:aws:iam::111111111111:role/")],
                ["a role path and name of 512 characters", { roleArn: `arn:aws:iam::111111111111:role/${"p/".repeat(255)}xy` }, undefined],
                ["an external ID of 2 characters", { roleArn: ROLE, externalId: "ab" }, undefined],
                ["an external ID of 1 character", { roleArn: ROLE, externalId: "a" }, EXTERNAL_ID],
                ["an external ID of 1224 characters", { roleArn: ROLE, externalId: "e".repeat(1224) }, undefined],
                ["an external ID of 1225 characters", { roleArn: ROLE, externalId: "e".repeat(1225) }, EXTERNAL_ID],
                ["a session name of 2 characters", { roleArn: ROLE, sessionName: "ab" }, undefined],
                ["a session name of 1 character", { roleArn: ROLE, sessionName: "a" }, SESSION_NAME],
                ["a session name of 64 characters", { roleArn: ROLE, sessionName: "s".repeat(64) }, undefined],
                ["a session name of 65 characters", { roleArn: ROLE, sessionName: "s".repeat(65) }, SESSION_NAME],
                ["a source identity of 2 characters", { roleArn: ROLE, sourceIdentity: "ab" }, undefined],
                ["a source identity of 1 character", { roleArn: ROLE, sourceIdentity: "a" }, SOURCE_IDENTITY],
                ["a source identity of 64 characters of every kind allowed", { roleArn: ROLE, sourceIdentity: `Az09_+=,.@-${"i".repeat(53)}` }, undefined],
                ["a source identity of 65 characters", { roleArn: ROLE, sourceIdentity: "i".repeat(65) }, SOURCE_IDENTITY],
                ["a source identity starting with aws:", { roleArn: ROLE, sourceIdentity: "aws:me" }, SOURCE_IDENTITY],
                ["a source identity of two lines", { roleArn: ROLE, sourceIdentity: "me\nyou" }, SOURCE_IDENTITY],
                ["a source identity with a space", { roleArn: ROLE, sourceIdentity: "my id" }, SOURCE_IDENTITY],
                ["an empty source identity", { roleArn: ROLE, sourceIdentity: "" }, SOURCE_IDENTITY],
            ];
            for (const [what, role, problem] of cases) {
                it(`${problem === undefined ? "accepts" : "refuses"} ${what}`, () => expect(assumeRoleProblem(role)).to.equal(problem));
            }
        });

        describe("duration, a Go duration from 15 minutes to 12 hours", () => {
            for (const duration of ["1h30m", "900s", "15m", "1.5h", ".5h", "+15m", "12h", "14m60s", "720m"]) {
                it(`accepts "${duration}"`, () => expect(assumeRoleProblem({ roleArn: ROLE, duration })).to.equal(undefined));
            }
            for (const duration of ["899s", "14m59s", "12h1s", "43201s", "-15m", "1d", "1 h", "", "0", "900", "1H", "h", "1h-30m", "99999h"]) {
                it(`refuses "${duration}"`, () => expect(assumeRoleProblem({ roleArn: ROLE, duration })).to.equal(DURATION));
            }

            it("refuses duration and durationSeconds together, even when one is unknown during preview", () => {
                const both = "duration and durationSeconds must not both be set: give one";
                expect(assumeRoleProblem({ roleArn: ROLE, duration: "1h", durationSeconds: 3600 })).to.equal(both);
                expect(assumeRoleProblem({ roleArn: ROLE, duration: UNKNOWN, durationSeconds: 3600 }, UNKNOWN)).to.equal(both);
            });
        });

        describe("policy, a JSON object of at most 2048 characters in U+0020-U+00FF, tab, newline and CR", () => {
            const cases: [string, string, string | undefined][] = [
                ["the smallest JSON object", "{}", undefined],
                ["2048 characters", policyOf(2048), undefined],
                ["2049 characters", policyOf(2049), POLICY],
                ["2048 characters of U+00FF", policyOf(2048, "\u00FF"), undefined],
                ["tabs, newlines and carriage returns", '{\n\t"Version":\r\n"2012-10-17"\n}', undefined],
                ["a character above U+00FF", '{"a":"\u0100"}', POLICY],
                ["an emoji", '{"a":"\u{1F600}"}', POLICY],
                ["a control character other than tab, newline and CR", '{"a":"\u0001"}', POLICY],
                ["a lone surrogate", '{"a":"\uD800"}', POLICY],
                ["an empty string", "", POLICY],
                ["text that is not JSON", "Allow everything", POLICY],
                ["JSON cut short", '{"Version":"2012-10-17"', POLICY],
                ["a JSON array", '[{"Effect":"Allow"}]', POLICY],
                ["a JSON string", '"{}"', POLICY],
                ["JSON null", "null", POLICY],
                ["a JSON number", "42", POLICY],
            ];
            for (const [what, policy, problem] of cases) {
                it(`${problem === undefined ? "accepts" : "refuses"} ${what}`, () => expect(assumeRoleProblem({ roleArn: ROLE, policy })).to.equal(problem));
            }
        });

        describe("policyArns, at most 10 IAM policy ARNs", () => {
            const cases: [string, unknown, string | undefined][] = [
                ["none", [], undefined],
                ["10", policyArnsOf(10), undefined],
                ["11", policyArnsOf(11), POLICY_ARNS],
                ["a customer managed policy of an account and of another partition", ["arn:aws:iam::111111111111:policy/team/p", "arn:aws-us-gov:iam::aws:policy/p"], undefined],
                ['["x"]', ["x"], POLICY_ARNS],
                ["a role ARN", [ROLE], POLICY_ARNS],
                ["an empty ARN", [""], POLICY_ARNS],
                ["one ARN, not a list", "arn:aws:iam::aws:policy/ReadOnlyAccess", POLICY_ARNS],
            ];
            for (const [what, policyArns, problem] of cases) {
                it(`${problem === undefined ? "accepts" : "refuses"} ${what}`, () => expect(assumeRoleProblem({ roleArn: ROLE, policyArns })).to.equal(problem));
            }
        });

        describe("tags, at most 50 keys of 1-128 characters not starting with aws:, to values of at most 256", () => {
            const cases: [string, unknown, string | undefined][] = [
                ["no tags", {}, undefined],
                ["50 tags", tagsOf(50), undefined],
                ["51 tags", tagsOf(51), TAGS],
                ['a list (["x"])', ["x"], TAGS],
                ["a key of 1 character", { k: "v" }, undefined],
                ["a key of 128 characters", { ["k".repeat(128)]: "v" }, undefined],
                ["a key of 129 characters", { ["k".repeat(129)]: "v" }, TAGS],
                ["an empty key", { "": "v" }, TAGS],
                ["a key starting with aws:", { "aws:team": "a" }, TAGS],
                ["a key starting with AWS:", { "AWS:team": "a" }, TAGS],
                ["a key with aws: after its start", { "team:aws:x": "a" }, undefined],
                ["a key with a character outside letters, digits, spaces and _.:/=+-@", { "team!": "a" }, TAGS],
                ["a key with a lone surrogate", { "team\uD800": "a" }, TAGS],
                ["an empty value", { team: "" }, undefined],
                ["a value of 256 characters", { team: "v".repeat(256) }, undefined],
                ["a value of 257 characters", { team: "v".repeat(257) }, TAGS],
                ["letters of any script, digits, spaces and _.:/=+-@", { "équipe Ω": "Team A_1.:/=+-@ データ" }, undefined],
                ["a value with a character outside letters, digits, spaces and _.:/=+-@", { team: "a#b" }, TAGS],
                ["a value with a lone surrogate", { team: "a\uD800" }, TAGS],
                ["a number for a value", { team: 1 }, TAGS],
                ["null for a value", { team: null }, TAGS],
                ["an object whose prototype holds the tags", Object.create({ team: "a" }), TAGS],
            ];
            for (const [what, tags, problem] of cases) {
                it(`${problem === undefined ? "accepts" : "refuses"} ${what}`, () => expect(assumeRoleProblem({ roleArn: ROLE, tags })).to.equal(problem));
            }
        });

        describe("transitiveTagKeys, at most 50 tag keys", () => {
            const cases: [string, unknown, string | undefined][] = [
                ["none", [], undefined],
                ["50 keys", keysOf(50), undefined],
                ["51 keys", keysOf(51), TRANSITIVE_TAG_KEYS],
                ["a key of 128 characters", ["k".repeat(128)], undefined],
                ["a key of 129 characters", ["k".repeat(129)], TRANSITIVE_TAG_KEYS],
                ["an empty key", [""], TRANSITIVE_TAG_KEYS],
                ["a key starting with aws:", ["aws:team"], TRANSITIVE_TAG_KEYS],
            ];
            for (const [what, transitiveTagKeys, problem] of cases) {
                it(`${problem === undefined ? "accepts" : "refuses"} ${what}`, () => expect(assumeRoleProblem({ roleArn: ROLE, transitiveTagKeys })).to.equal(problem));
            }
        });

        describe("fields it does not know", () => {
            it("refuses an externalID typo, naming externalId", () => {
                expect(assumeRoleProblem({ roleArn: ROLE, externalID: "team-a" })).to.equal(`has no field "externalID"; did you mean externalId? ${FIELDS}`);
            });

            it("names the nearest field within three edits", () => {
                expect(assumeRoleProblem({ roleArn: ROLE, role_arn: ROLE })).to.equal(`has no field "role_arn"; did you mean roleArn? ${FIELDS}`);
                expect(assumeRoleProblem({ roleArn: ROLE, tag: { team: "a" } })).to.equal(`has no field "tag"; did you mean tags? ${FIELDS}`);
                expect(assumeRoleProblem({ roleArn: ROLE, durationSecs: 900 })).to.equal(`has no field "durationSecs"; did you mean durationSeconds? ${FIELDS}`);
            });

            it("names no field when none is within three edits", () => {
                expect(assumeRoleProblem({ roleArn: ROLE, region: "us-east-1" })).to.equal(`has no field "region" ${FIELDS}`);
            });

            it("refuses a field it does not know even when its value is unknown during preview", () => {
                expect(assumeRoleProblem({ roleArn: ROLE, externalID: UNKNOWN }, UNKNOWN)).to.equal(`has no field "externalID"; did you mean externalId? ${FIELDS}`);
            });

            it("refuses a __proto__ key, as JSON.parse makes it, without a TypeError", () => {
                const role = JSON.parse('{"roleArn":"arn:aws:iam::111111111111:role/x","__proto__":{}}');
                expect(assumeRoleProblem(role)).to.equal(`has no field "__proto__" ${FIELDS}`);
            });

            it("refuses an object whose prototype was replaced, though the prototype holds a roleArn", () => {
                expect(assumeRoleProblem(Object.create({ roleArn: ROLE }))).to.equal("must be an object with a roleArn");
                const replaced = { roleArn: ROLE };
                Object.setPrototypeOf(replaced, { externalId: "team-a" });
                expect(assumeRoleProblem(replaced)).to.equal("must be an object with a roleArn");
            });

            it("accepts an object with no prototype", () => {
                expect(assumeRoleProblem(Object.assign(Object.create(null), { roleArn: ROLE, externalId: "team-a" }))).to.equal(undefined);
            });
        });

        describe("values unknown during preview", () => {
            const roles: [string, Record<string, unknown>][] = [
                ["roleArn", { roleArn: UNKNOWN }],
                ["externalId", { roleArn: ROLE, externalId: UNKNOWN }],
                ["sessionName", { roleArn: ROLE, sessionName: UNKNOWN }],
                ["durationSeconds", { roleArn: ROLE, durationSeconds: UNKNOWN }],
                ["duration", { roleArn: ROLE, duration: UNKNOWN }],
                ["policy", { roleArn: ROLE, policy: UNKNOWN }],
                ["policyArns", { roleArn: ROLE, policyArns: UNKNOWN }],
                ["one of policyArns", { roleArn: ROLE, policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", UNKNOWN] }],
                ["tags", { roleArn: ROLE, tags: UNKNOWN }],
                ["a tag's value", { roleArn: ROLE, tags: { team: "a", env: UNKNOWN } }],
                ["transitiveTagKeys", { roleArn: ROLE, transitiveTagKeys: UNKNOWN }],
                ["one of transitiveTagKeys", { roleArn: ROLE, transitiveTagKeys: ["team", UNKNOWN] }],
                ["sourceIdentity", { roleArn: ROLE, sourceIdentity: UNKNOWN }],
                ["every field", { roleArn: UNKNOWN, externalId: UNKNOWN, sessionName: UNKNOWN, duration: UNKNOWN, policy: UNKNOWN, policyArns: [UNKNOWN], tags: { team: UNKNOWN }, transitiveTagKeys: [UNKNOWN], sourceIdentity: UNKNOWN }],
            ];
            for (const [what, role] of roles) {
                it(`passes ${what} unknown`, () => expect(assumeRoleProblem(role, UNKNOWN)).to.equal(undefined));
            }

            it("still refuses the known fields beside an unknown one", () => {
                expect(assumeRoleProblem({ roleArn: UNKNOWN, sessionName: "a" }, UNKNOWN)).to.equal(SESSION_NAME);
                expect(assumeRoleProblem({ roleArn: ROLE, tags: { "aws:team": UNKNOWN } }, UNKNOWN)).to.equal(TAGS);
                expect(assumeRoleProblem({ roleArn: ROLE, policyArns: [UNKNOWN, "x"] }, UNKNOWN)).to.equal(POLICY_ARNS);
            });

            it("takes the placeholder for a plain value when not told it is the placeholder", () => {
                expect(assumeRoleProblem({ roleArn: UNKNOWN })).to.equal(roleArnRule(UNKNOWN));
            });
        });

        describe("secrets", () => {
            const EXTERNAL_SECRET = "Xt3rnalS3cretZq";
            const POLICY_SECRET = "P0licyS3cretWv";
            const roles: [string, Record<string, unknown>][] = [
                ["an external ID with a character STS refuses", { roleArn: ROLE, externalId: `${EXTERNAL_SECRET}!` }],
                ["an external ID too long", { roleArn: ROLE, externalId: EXTERNAL_SECRET.repeat(100) }],
                ["a policy that is not JSON", { roleArn: ROLE, policy: `allow ${POLICY_SECRET}` }],
                ["a policy too long", { roleArn: ROLE, policy: policyOf(4096, POLICY_SECRET) }],
                ["a policy with a character above U+00FF", { roleArn: ROLE, policy: `{"Sid":"${POLICY_SECRET}\u0100"}` }],
                ["both, beside a bad role ARN", { roleArn: "role/x", externalId: EXTERNAL_SECRET, policy: `{"Sid":"${POLICY_SECRET}"}` }],
                ["both, beside a field it does not know", { roleArn: ROLE, externalId: EXTERNAL_SECRET, policy: `{"Sid":"${POLICY_SECRET}"}`, extra: 1 }],
                ["both, under a misspelt name", { roleArn: ROLE, externalID: EXTERNAL_SECRET, Policy: `{"Sid":"${POLICY_SECRET}"}` }],
                ["both, beside both durations", { roleArn: ROLE, externalId: EXTERNAL_SECRET, policy: `{"Sid":"${POLICY_SECRET}"}`, duration: "1h", durationSeconds: 900 }],
            ];
            for (const [what, role] of roles) {
                it(`never quotes the external ID or the policy: ${what}`, () => {
                    const problem = assumeRoleProblem(role);
                    expect(problem).to.be.a("string");
                    expect(problem).to.not.contain(EXTERNAL_SECRET).and.not.contain(POLICY_SECRET);
                    const config = stack({ "aws:assumeRoles": [role] }).problem;
                    expect(config).to.equal(`stack config: aws:assumeRoles[0]: ${problem}`);
                });
            }
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

        it("refuses shared files that are not a list of exactly one path, with no files", () => {
            for (const value of [[], ["/a/config", "/b/config"], [""], [1], "/etc/aws/config", { path: "/etc/aws/config" }]) {
                const read = stack({ "aws:sharedConfigFiles": JSON.stringify(value) });
                expect(read.problem, JSON.stringify(value)).to.equal('stack config: aws:sharedConfigFiles must be a list of one file path, such as ["~/.aws/config"]');
                expect(read.files).to.equal(undefined);
            }
            expect(stack({ "aws:sharedCredentialsFiles": [] }).problem).to.equal('stack config: aws:sharedCredentialsFiles must be a list of one file path, such as ["~/.aws/credentials"]');
        });

        it("refuses a shared file path that is not JSON", () => {
            expect(stack({ "aws:sharedCredentialsFiles": "~/.aws/credentials" }).problem).to.equal(
                "stack config: aws:sharedCredentialsFiles must be JSON, as `pulumi config set --path` or a YAML list/object in the stack file writes it",
            );
        });

        it("keeps the good shared file when the other kind is bad", () => {
            const read = stack({ "aws:sharedConfigFiles": ["/etc/aws/config"], "aws:sharedCredentialsFiles": ["/a", "/b"] });
            expect(read.files).to.deep.equal({ config: "/etc/aws/config", credentials: undefined });
            expect(read.problem).to.equal('stack config: aws:sharedCredentialsFiles must be a list of one file path, such as ["~/.aws/credentials"]');
        });

        it("reports a role of the chain that STS's limits refuse, naming its index", () => {
            expect(stack({ "aws:assumeRoles": [{ roleArn: ROLE }, { roleArn: ROLE, duration: "45s" }] }).problem).to.equal(`stack config: aws:assumeRoles[1]: ${DURATION}`);
            expect(stack({ "aws:assumeRole": { roleArn: ROLE, externalID: "x1" } }).problem).to.equal(`stack config: aws:assumeRole: has no field "externalID"; did you mean externalId? ${FIELDS}`);
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
            expect(identityOf(stack({}), {})).to.deep.equal({ profile: undefined, keys: undefined, roles: [], files: undefined });
        });

        it("uses the stack's keys, not its profile, when both are set", () => {
            const identity = identityOf(stack({ "aws:profile": "ops", "aws:accessKey": "AKIASTACK", "aws:secretKey": "s", "aws:token": "t" }), {});
            expect(identity).to.deep.equal({ profile: undefined, keys: { accessKeyId: "AKIASTACK", secretAccessKey: "s", sessionToken: "t" }, roles: [], files: undefined });
        });

        it("uses the profile input over the stack's keys", () => {
            const identity = identityOf(stack({ "aws:accessKey": "AKIASTACK", "aws:secretKey": "s" }), { profile: "dev" });
            expect(identity).to.deep.equal({ profile: "dev", keys: undefined, roles: [], files: undefined });
        });
    });
});
