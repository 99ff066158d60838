/**
 * Multi-Region keys (issue #6) against moto, which supports
 * `CreateKey({ MultiRegion: true })` and `ReplicateKey`: an `mrk-…` key ID
 * names the replica in the database's region, while the primary's key ARN
 * from another region is refused before any KMS or Timestream write.
 * Only create is driven here: moto's mrk key IDs are `mrk-` and a UUID, not
 * AWS's `mrk-` and 32 hex digits, so `check` rightly refuses them as malformed.
 */
import { expect } from "chai";
import { KMSClient, ReplicateKeyCommand } from "@aws-sdk/client-kms";
import { Key } from "../../lab/fixtures";
import { TEST_CREDENTIALS } from "../../lab/moto";
import { configuredProvider, OTHER_REGION, OWNER, proxiedMoto, REGION, rejectionOf } from "../support/integration";

describe("DatabaseKmsKeyProvider with multi-Region keys against moto (proxy in aws mode)", function () {
    const env = proxiedMoto("aws");

    /** A multi-Region primary key in {@link OTHER_REGION}, replicated to {@link REGION} when `replicated`. */
    async function multiRegionKey(replicated: boolean): Promise<Key> {
        const primary = await env.fx.inRegion(OTHER_REGION).createKey({ MultiRegion: true });
        if (replicated) {
            // Straight to moto, like every fixture, so the proxy does not count it.
            const kms = new KMSClient({ endpoint: env.moto.endpoint, region: OTHER_REGION, credentials: TEST_CREDENTIALS });
            await kms.send(new ReplicateKeyCommand({ KeyId: primary.id, ReplicaRegion: REGION }));
        }
        return primary;
    }

    /** A database in {@link REGION} on a key of its own. */
    const database = () => env.fx.databaseOnOwnKey();

    it("adopts a database with an mrk key ID as the replica's key ARN in the database's region, in one UpdateDatabase", async () => {
        const primary = await multiRegionKey(true);
        // The replica has the primary's key ID and an ARN in its own region.
        const replicaArn = primary.arn.replace(`:${OTHER_REGION}:`, `:${REGION}:`);
        const { previous, db } = await database();
        const provider = await configuredProvider();

        const { outs } = await provider.create({ databaseName: db, kmsKeyId: primary.id, owner: OWNER });

        expect(outs).to.include({ kmsKeyId: primary.id, kmsKeyArn: replicaArn, previousKmsKeyArn: previous.arn, keyState: "Enabled", keyManager: "CUSTOMER" });
        expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "ListTagsForResource", "TagResource", "UpdateDatabase"]);
        const describeKey = env.proxy.calls.find((c) => c.operation === "DescribeKey")!;
        expect([describeKey.region, describeKey.input]).to.deep.equal([REGION, { KeyId: primary.id }]);
        expect(env.proxy.calls.filter((c) => c.operation === "UpdateDatabase").map((c) => c.input)).to.deep.equal([{ DatabaseName: db, KmsKeyId: replicaArn }]);
        expect(await env.fx.liveKey(db)).to.equal(replicaArn);
    });

    it("refuses the primary's key ARN from another region with KeyUnusable naming both regions, with no DescribeKey or UpdateDatabase", async () => {
        const primary = await multiRegionKey(true);
        const { previous, db } = await database();
        const provider = await configuredProvider();

        const error = await rejectionOf(provider.create({ databaseName: db, kmsKeyId: primary.arn, owner: OWNER }));

        expect(error.code).to.equal("KeyUnusable");
        expect(error.message)
            .to.include(`database "${db}" in ${REGION} with KMS key "${primary.arn}"`)
            .and.include(`it lives in ${OTHER_REGION}, but the database is in ${REGION}`)
            .and.include(`multi-Region key replica) in ${REGION}`);
        expect(env.proxy.operations()).to.deep.equal(["DescribeDatabase"]);
        expect(await env.fx.liveKey(db)).to.equal(previous.arn);
    });

    it("refuses an mrk key ID with no replica in the database's region with KeyNotFound, after one DescribeKey and no UpdateDatabase", async () => {
        const primary = await multiRegionKey(false);
        const { previous, db } = await database();
        const provider = await configuredProvider();

        const error = await rejectionOf(provider.create({ databaseName: db, kmsKeyId: primary.id, owner: OWNER }));

        expect(error.code).to.equal("KeyNotFound");
        expect(error.message).to.include(`database "${db}" in ${REGION} with KMS key "${primary.id}"`);
        expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey"]);
        expect(env.proxy.calls.find((c) => c.operation === "DescribeKey")?.region).to.equal(REGION);
        expect(await env.fx.liveKey(db)).to.equal(previous.arn);
    });
});
