/**
 * Every input a program can send (issue 18), generated: check answers with per-property failures or the provider's
 * own error, never a TypeError, and so does diff whenever check passes. One input varies at a time, the others
 * valid; AWS is mocked to know every key.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { DatabaseKmsKeyError } from "../../provider/aws";
import { DatabaseKmsKeyInputs } from "../../provider/lifecycle";
import { INPUTS, valueFor } from "../support/inputs";
import { KEY_A, OWNER, REGION, configuredProvider, keyArn, keyMetadata, stateOf, useAwsMocks, useCleanAwsEnv } from "./fixtures";

/** Generated cases per input. */
export const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const VALID: DatabaseKmsKeyInputs = { databaseName: "metrics", kmsKeyId: keyArn(KEY_A), region: REGION, owner: OWNER };
const PROPERTIES: readonly string[] = INPUTS;

describe(`every input, generated (${RUNS} cases each)`, () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();
    beforeEach(() => aws.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: keyMetadata(KEY_A) }));

    /** Runs `work`; passes for its result or a DatabaseKmsKeyError, fails for any other error. */
    async function answers<T>(work: () => Promise<T>): Promise<T | undefined> {
        try {
            return await work();
        } catch (error) {
            if (error instanceof DatabaseKmsKeyError) return undefined;
            throw error;
        }
    }

    it("generates objects with an own __proto__ key, as JSON.parse makes them", () => {
        const objects = (value: unknown): object[] =>
            value === null || typeof value !== "object" ? [] : [value, ...Object.values(value).flatMap(objects)];
        const found = fc.sample(valueFor("assumeRole", false), { numRuns: RUNS, seed: 18 }).flatMap(objects);
        expect(found.some((o) => Object.hasOwn(o, "__proto__"))).to.equal(true);
    });

    for (const input of INPUTS) {
        it(`answers check, and diff when check passes, for ${RUNS} values of ${input}, never with a TypeError`, async () => {
            const provider = await configuredProvider({ "aws:region": REGION });
            const result = await fc.check(
                fc.asyncProperty(valueFor(input, false), async (value) => {
                    const news = { ...VALID, [input]: value } as DatabaseKmsKeyInputs;
                    const checked = await answers(() => provider.check({}, news));
                    if (checked === undefined) return;
                    for (const failure of checked.failures ?? []) {
                        expect(PROPERTIES).to.include(failure.property);
                        expect(failure.reason).to.be.a("string").and.not.match(/TypeError|undefined is not|is not a function|not iterable/);
                    }
                    if ((checked.failures ?? []).length === 0) await answers(() => provider.diff("metrics", stateOf("metrics", keyArn(KEY_A)), checked.inputs!));
                }),
                { numRuns: RUNS, seed: Number(process.env.PROPERTY_SEED ?? 18) },
            );
            expect(result.failed, fc.defaultReportMessage(result) ?? "").to.equal(false);
            expect(result.numRuns).to.equal(RUNS);
        });
    }
});
