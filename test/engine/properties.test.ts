/**
 * Every input a program can send (issue 18), generated and sent through the real dynamic-provider host against moto:
 * check answers with per-property failures or the provider's own error, never a TypeError, and so does diff whenever
 * check passes. One input varies at a time, the others valid.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import { HostCallError, ownerFor, Props, urnOf } from "../../lab/host";
import { INPUTS, valueFor } from "../support/inputs";
import { linkedHostedMoto, REGION } from "../support/integration";

/** Generated cases per input. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const PROPERTIES: readonly string[] = INPUTS;
// What the provider's own errors say first: the operation and the database.
const PROVIDER_ERROR = /(check|diff) of database /;

describe(`provider host: every input, generated (${RUNS} cases each)`, function () {
    this.timeout(300_000);
    const env = linkedHostedMoto();

    for (const input of INPUTS) {
        it(`answers check, and diff when check passes, for ${RUNS} values of ${input}, never with a TypeError`, async () => {
            const key = await env.fx.createKey();
            const valid: Props = { databaseName: "metrics", kmsKeyId: key.arn, region: REGION, owner: ownerFor("key"), __provider: env.provider };
            const state = { ...valid, onDelete: "retain", databaseArn: `arn:aws:timestream:${REGION}:123456789012:database/metrics`, kmsKeyArn: key.arn, previousKmsKeyArn: key.arn };
            const answers = async <T>(call: Promise<T>): Promise<T | undefined> =>
                call.catch((error: unknown) => {
                    if (error instanceof HostCallError && PROVIDER_ERROR.test(error.message)) return undefined;
                    throw error;
                });
            const result = await fc.check(
                fc.asyncProperty(valueFor(input, true), async (value) => {
                    const news = { ...valid, [input]: value };
                    const checked = await answers(env.host.check(urnOf("key"), {}, news));
                    if (checked === undefined) return;
                    for (const failure of checked.failures) {
                        expect(PROPERTIES).to.include(failure.property);
                        expect(failure.reason).to.not.match(/TypeError|undefined is not|is not a function|not iterable/);
                    }
                    if (checked.failures.length === 0) await answers(env.host.diff(urnOf("key"), "metrics", state, checked.inputs));
                }),
                { numRuns: RUNS, seed: Number(process.env.PROPERTY_SEED ?? 18) },
            );
            expect(result.failed, fc.defaultReportMessage(result) ?? "").to.equal(false);
            expect(result.numRuns).to.equal(RUNS);
        });
    }
});
