/**
 * bench/replay.ts: the bench's baselines send the provider's AWS calls in the order the provider sent them, so that
 * calls it made at once are replayed at once and the baselines stay floors, and the bench checks that they made the
 * same calls (issue 12).
 */
import { expect } from "chai";
import { callSet, scheduled } from "../../bench/replay";
import type { RecordedCall } from "../../lab/proxy";

/** A recorded call that arrived at `arrivedMs` and was answered at `answeredMs`. */
function call(operation: string, arrivedMs: number, answeredMs?: number): RecordedCall {
    return { service: "kms", operation, region: "us-east-1", accessKeyId: "AKID", input: { Name: operation }, arrivedMs, answeredMs };
}

describe("scheduled", () => {
    it("makes each call wait for every earlier call answered before it arrived", () => {
        const calls = [call("DescribeKey", 0, 5), call("DescribeDatabase", 6, 9), call("UpdateDatabase", 10, 12)];

        expect(scheduled(calls)).to.deep.equal([
            { operation: "DescribeKey", input: { Name: "DescribeKey" }, after: [] },
            { operation: "DescribeDatabase", input: { Name: "DescribeDatabase" }, after: [0] },
            { operation: "UpdateDatabase", input: { Name: "UpdateDatabase" }, after: [0, 1] },
        ]);
    });

    it("sends calls the provider made at once alongside each other", () => {
        const calls = [call("DescribeDatabase", 0, 8), call("DescribeKey", 1, 6), call("UpdateDatabase", 9, 12)];

        expect(scheduled(calls).map((c) => c.after)).to.deep.equal([[], [], [0, 1]]);
    });

    it("counts a call answered at the moment another arrived as answered before it", () => {
        expect(scheduled([call("DescribeKey", 0, 4), call("DescribeKey", 4, 7)]).map((c) => c.after)).to.deep.equal([[], [0]]);
    });

    it("never waits for a call that was not answered", () => {
        expect(scheduled([call("UpdateDatabase", 0), call("DescribeDatabase", 50, 60)]).map((c) => c.after)).to.deep.equal([[], []]);
    });
});

describe("callSet", () => {
    it("is the same for the same calls in another order", () => {
        const [a, b] = [call("DescribeKey", 0, 1), { ...call("DescribeKey", 0, 1), input: { KeyId: "alias/b" } }];

        expect(callSet([a, b])).to.equal(callSet([b, a]));
    });

    it("differs when an input differs", () => {
        expect(callSet([call("DescribeKey", 0, 1)])).to.not.equal(callSet([{ ...call("DescribeKey", 0, 1), input: { KeyId: "alias/b" } }]));
    });

    it("differs when a call is missing or repeated", () => {
        const a = call("DescribeDatabase", 0, 1);

        expect(callSet([a])).to.not.equal(callSet([a, a]));
        expect(callSet([a])).to.not.equal(callSet([]));
    });
});
