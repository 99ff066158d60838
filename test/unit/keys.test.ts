import { expect } from "chai";
import { arnRegion, isAlias, keyArnProblem, keyProblem, kmsKeyIdProblem, localKeyArn, parseKeyRef, regionProblem } from "../../provider/keys";
import { ACCOUNT, KEY_A, OTHER_REGION, REGION, aliasArn, databaseArn, keyArn } from "./fixtures";

const MRK = "mrk-1234abcd12ab34cd56ef1234567890ab";

describe("keys", () => {
    describe("parseKeyRef", () => {
        it("reads a key ID", () => {
            expect(parseKeyRef(KEY_A)).to.deep.equal({ form: "keyId", value: KEY_A, resource: `key/${KEY_A}` });
        });

        it("reads a multi-Region key ID", () => {
            expect(parseKeyRef(MRK)).to.deep.equal({ form: "keyId", value: MRK, resource: `key/${MRK}` });
        });

        it("reads a key ARN with its partition, region and account", () => {
            expect(parseKeyRef(keyArn(KEY_A))).to.deep.equal({
                form: "keyArn",
                value: keyArn(KEY_A),
                resource: `key/${KEY_A}`,
                partition: "aws",
                region: REGION,
                account: ACCOUNT,
            });
        });

        it("reads an alias name", () => {
            expect(parseKeyRef("alias/orders/prod")).to.deep.equal({ form: "aliasName", value: "alias/orders/prod", resource: "alias/orders/prod" });
        });

        it("reads an alias ARN", () => {
            const arn = aliasArn("orders", OTHER_REGION);
            expect(parseKeyRef(arn)).to.deep.equal({ form: "aliasArn", value: arn, resource: "alias/orders", partition: "aws", region: OTHER_REGION, account: ACCOUNT });
        });

        it("reads an ARN of another partition", () => {
            expect(parseKeyRef(`arn:aws-cn:kms:cn-north-1:${ACCOUNT}:key/${KEY_A}`)?.partition).to.equal("aws-cn");
        });

        it("reads an emulator's non-UUID key ID and key ARN leniently", () => {
            expect(parseKeyRef("default_key")?.form).to.equal("keyId");
            expect(parseKeyRef(keyArn("default_key"))?.form).to.equal("keyArn");
        });

        it("returns undefined for strings of no form", () => {
            for (const value of ["", "my key", "alias/", "alias/bad name", "arn:aws:s3:::bucket", `arn:aws:kms:${REGION}:123:key/${KEY_A}`, `arn:aws:kms:${REGION}:${ACCOUNT}:alias/`]) {
                expect(parseKeyRef(value), value).to.equal(undefined);
            }
        });
    });

    describe("isAlias", () => {
        it("is true for alias names and alias ARNs only", () => {
            expect([KEY_A, keyArn(KEY_A), "alias/x", aliasArn("x")].map((v) => isAlias(parseKeyRef(v)!))).to.deep.equal([false, false, true, true]);
        });
    });

    describe("kmsKeyIdProblem", () => {
        it("accepts a key ID, multi-Region key ID, key ARN, alias name and alias ARN", () => {
            for (const value of [KEY_A, MRK, keyArn(KEY_A), keyArn(MRK), "alias/orders", "alias/aws/timestream", aliasArn("orders")]) {
                expect(kmsKeyIdProblem(value), value).to.equal(undefined);
            }
        });

        it("refuses an empty string", () => {
            expect(kmsKeyIdProblem("")).to.match(/^"" must be a KMS key ID/);
        });

        it("refuses an identifier longer than 2048 characters and quotes only its start", () => {
            const problem = kmsKeyIdProblem(`alias/${"a".repeat(2043)}`);
            expect(problem).to.include("at most 2048 characters");
            expect(problem).to.include(`"alias/${"a".repeat(74)}"`);
        });

        it("refuses an alias with characters KMS does not allow", () => {
            for (const value of ["alias/my key", "alias/orders.prod", "alias/ordérs", `alias/${"a".repeat(251)}`]) {
                expect(kmsKeyIdProblem(value), value).to.include("must be a KMS key ID");
            }
        });

        it("refuses a malformed ARN", () => {
            for (const value of [`arn:aws:kms:${REGION}:1234:key/${KEY_A}`, `arn:aws:kms:${REGION}:${ACCOUNT}:grant/${KEY_A}`, `arn:aws:s3:${REGION}:${ACCOUNT}:key/${KEY_A}`, "arn:aws:kms"]) {
                expect(kmsKeyIdProblem(value), value).to.include("must be a KMS key ID");
            }
        });

        it("refuses a key ID that is neither a UUID nor mrk-", () => {
            for (const value of ["default_key", "1234abcd", "mrk-123", `${KEY_A}0`]) {
                expect(kmsKeyIdProblem(value), value).to.include("must be a KMS key ID");
            }
        });

        it("refuses a key ARN whose key ID is not a UUID", () => {
            expect(kmsKeyIdProblem(keyArn("default_key"))).to.include("must be a KMS key ID");
        });
    });

    describe("localKeyArn", () => {
        it("builds a key ID's ARN from the database ARN's partition, region and account", () => {
            const db = `arn:aws-cn:timestream:cn-north-1:${ACCOUNT}:database/metrics`;
            expect(localKeyArn(parseKeyRef(KEY_A)!, db)).to.equal(`arn:aws-cn:kms:cn-north-1:${ACCOUNT}:key/${KEY_A}`);
        });

        it("returns a key ARN as written", () => {
            expect(localKeyArn(parseKeyRef(keyArn(KEY_A, OTHER_REGION))!, databaseArn("metrics"))).to.equal(keyArn(KEY_A, OTHER_REGION));
        });

        it("returns undefined for an alias name and an alias ARN", () => {
            expect(localKeyArn(parseKeyRef("alias/orders")!, databaseArn("metrics"))).to.equal(undefined);
            expect(localKeyArn(parseKeyRef(aliasArn("orders"))!, databaseArn("metrics"))).to.equal(undefined);
        });
    });

    describe("arnRegion", () => {
        it("returns the region of an ARN", () => {
            expect(arnRegion(keyArn(KEY_A, OTHER_REGION))).to.equal(OTHER_REGION);
        });

        it("returns undefined for a string that is not an ARN", () => {
            expect(arnRegion(KEY_A)).to.equal(undefined);
            expect(arnRegion("arn:aws:kms")).to.equal(undefined);
            expect(arnRegion(`urn:aws:kms:${REGION}:${ACCOUNT}:key/x`)).to.equal(undefined);
        });
    });

    describe("keyArnProblem", () => {
        it("accepts a key ARN of the database's partition, account and region", () => {
            expect(keyArnProblem(keyArn(KEY_A), databaseArn("metrics"))).to.equal(undefined);
        });

        for (const value of [KEY_A, "alias/metrics", aliasArn("metrics"), "not a key", ""]) {
            it(`refuses ${JSON.stringify(value)}, which is not a key ARN`, () => {
                expect(keyArnProblem(value, databaseArn("metrics"))).to.equal("it is not a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)");
            });
        }

        for (const value of [keyArn(KEY_A, OTHER_REGION), keyArn(KEY_A).replace(ACCOUNT, "444455556666"), keyArn(KEY_A).replace("arn:aws:", "arn:aws-cn:")]) {
            it(`refuses ${value}, a key of another partition, account or region`, () => {
                expect(keyArnProblem(value, databaseArn("metrics"))).to.equal(`it is not a key of the database's account ${ACCOUNT} and region ${REGION}`);
            });
        }

        it("refuses every key when the database's ARN is unknown (Timestream answered without one)", () => {
            expect(keyArnProblem(keyArn(KEY_A), "")).to.match(/^it is not a key of the database's account/);
        });
    });

    describe("regionProblem", () => {
        it("passes a key in the database's region or of unknown region", () => {
            expect(regionProblem(REGION, REGION)).to.equal(undefined);
            expect(regionProblem(undefined, REGION)).to.equal(undefined);
        });

        it("names both regions for a key in another region", () => {
            expect(regionProblem(OTHER_REGION, REGION)).to.equal(
                `it lives in ${OTHER_REGION}, but the database is in ${REGION} and KMS keys are regional; use a key (or a multi-Region key replica) in ${REGION}`,
            );
        });
    });

    describe("keyProblem", () => {
        const usable = { Arn: keyArn(KEY_A), KeyState: "Enabled", KeyUsage: "ENCRYPT_DECRYPT", KeySpec: "SYMMETRIC_DEFAULT", KeyManager: "CUSTOMER" };

        it("passes an enabled symmetric encryption key in the database's region", () => {
            expect(keyProblem(usable, REGION)).to.equal(undefined);
        });

        it("refuses a disabled key and says to enable it", () => {
            expect(keyProblem({ ...usable, KeyState: "Disabled" }, REGION)).to.equal(
                "its state is Disabled, not Enabled; enable it (kms:EnableKey) or choose another key",
            );
        });

        it("refuses a key pending deletion and says to cancel the deletion", () => {
            expect(keyProblem({ ...usable, KeyState: "PendingDeletion" }, REGION)).to.equal(
                "its state is PendingDeletion, not Enabled; cancel its deletion (kms:CancelKeyDeletion) and enable it or choose another key",
            );
        });

        it("refuses a key pending import", () => {
            expect(keyProblem({ ...usable, KeyState: "PendingImport" }, REGION)).to.include("its state is PendingImport, not Enabled");
        });

        it("refuses an asymmetric key", () => {
            expect(keyProblem({ ...usable, KeySpec: "RSA_2048" }, REGION)).to.equal(
                "it is a RSA_2048 key for ENCRYPT_DECRYPT, but Timestream needs a symmetric encryption key " +
                    "(KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT); choose such a key",
            );
        });

        it("refuses a signing key", () => {
            expect(keyProblem({ ...usable, KeySpec: undefined, KeyUsage: "SIGN_VERIFY" }, REGION)).to.include("it is a ? key for SIGN_VERIFY");
        });

        it("refuses a key in another region", () => {
            expect(keyProblem({ ...usable, Arn: keyArn(KEY_A, OTHER_REGION) }, REGION)).to.equal(regionProblem(OTHER_REGION, REGION));
        });

        it("passes a key whose description omits KeyUsage and KeySpec", () => {
            expect(keyProblem({ ...usable, KeyUsage: undefined, KeySpec: undefined }, REGION)).to.equal(undefined);
        });

        it("reports the state before the key's kind", () => {
            expect(keyProblem({ ...usable, KeyState: "Disabled", KeySpec: "RSA_2048" }, REGION)).to.include("its state is Disabled");
        });
    });
});
