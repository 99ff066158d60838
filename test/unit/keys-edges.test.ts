/**
 * The edges of the key identifier rules in provider/keys.ts that keys.test.ts leaves open: every pattern is anchored
 * at both ends, an alias ARN's name follows the alias name rule, the 2048-character limit is inclusive, and facts
 * DescribeKey leaves out are not held against a key (issue 13).
 */
import { expect } from "chai";
import { arnAccount, arnRegion, keyProblem, kmsKeyIdProblem, parseKeyRef } from "../../provider/keys";
import { ACCOUNT, KEY_A, REGION, aliasArn, keyArn } from "./fixtures";

const MRK = "mrk-1234abcd12ab34cd56ef1234567890ab";

describe("keys: edges", () => {
    describe("parseKeyRef", () => {
        it("returns undefined for an alias name with anything before or after it", () => {
            for (const value of ["xalias/orders", " alias/orders", "alias/orders!", "alias/orders "]) {
                expect(parseKeyRef(value), JSON.stringify(value)).to.equal(undefined);
            }
        });

        it("returns undefined for a key or alias ARN with anything before it", () => {
            for (const value of [`x${keyArn(KEY_A)}`, ` ${aliasArn("orders")}`]) {
                expect(parseKeyRef(value), JSON.stringify(value)).to.equal(undefined);
            }
        });

        it("returns undefined for a key or alias ARN followed by a line break and more", () => {
            for (const value of [`${keyArn(KEY_A)}\nx`, `${aliasArn("orders")}\nx`]) {
                expect(parseKeyRef(value), JSON.stringify(value)).to.equal(undefined);
            }
        });

        it("returns undefined for an alias ARN whose alias name KMS would not allow", () => {
            for (const name of ["bad name", "orders.prod", "a".repeat(251)]) {
                expect(parseKeyRef(aliasArn(name)), name).to.equal(undefined);
            }
        });

        it("returns undefined for a key ARN whose key ID has characters no key ID has", () => {
            for (const id of ["bad key", "key.1", `${KEY_A}/x`]) {
                expect(parseKeyRef(keyArn(id)), id).to.equal(undefined);
            }
        });

        it("reads an alias ARN whose alias name has every character KMS allows", () => {
            const arn = aliasArn("Team_1/orders-prod:v2");
            expect(parseKeyRef(arn)).to.deep.equal({ form: "aliasArn", value: arn, resource: "alias/Team_1/orders-prod:v2", partition: "aws", region: REGION, account: ACCOUNT });
        });

        it("reads an alias name of 250 characters, the most KMS allows", () => {
            const name = `alias/${"a".repeat(250)}`;
            expect(parseKeyRef(name)).to.deep.equal({ form: "aliasName", value: name, resource: name });
        });
    });

    describe("kmsKeyIdProblem", () => {
        it("refuses a key ID or multi-Region key ID with anything before or after it", () => {
            for (const value of [`0${KEY_A}`, `x${MRK}`, `${MRK}0`, `x-${KEY_A}`, keyArn(`0${KEY_A}`), keyArn(`${MRK}0`)]) {
                expect(kmsKeyIdProblem(value), value).to.include("must be a KMS key ID");
            }
        });

        it("accepts a multi-Region key ARN", () => {
            expect(kmsKeyIdProblem(keyArn(MRK))).to.equal(undefined);
        });

        it("accepts an identifier of exactly 2048 characters and refuses one of 2049", () => {
            // Only a partition can make a valid identifier this long; the limit still counts every character.
            const withPartitionOf = (length: number) => {
                const rest = `:kms:${REGION}:${ACCOUNT}:alias/orders`;
                return `arn:aws${"-".repeat(length - "arn:aws".length - rest.length)}${rest}`;
            };
            expect(withPartitionOf(2048)).to.have.length(2048);
            expect(parseKeyRef(withPartitionOf(2049))?.form, "the 2049-character ARN has a valid form").to.equal("aliasArn");
            expect(kmsKeyIdProblem(withPartitionOf(2048))).to.equal(undefined);
            expect(kmsKeyIdProblem(withPartitionOf(2049))).to.include("at most 2048 characters");
        });

        it("quotes the first 80 characters of what it refuses", () => {
            const value = `${"k".repeat(80)}TAIL`;
            expect(kmsKeyIdProblem(value)).to.match(new RegExp(`^"${"k".repeat(80)}" must be a KMS key ID \\(1234abcd-12ab-34cd-56ef-1234567890ab or mrk-…\\), `));
        });

        it("names every accepted form and the limit", () => {
            expect(kmsKeyIdProblem("orders")).to.equal(
                '"orders" must be a KMS key ID (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-…), key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), ' +
                    "alias name (alias/NAME) or alias ARN (arn:aws:kms:REGION:ACCOUNT:alias/NAME), at most 2048 characters",
            );
        });
    });

    describe("arnRegion", () => {
        it("returns undefined for an ARN of five parts, and the region from six", () => {
            expect(arnRegion(`arn:aws:kms:${REGION}:${ACCOUNT}`)).to.equal(undefined);
            expect(arnRegion(`arn:aws:kms:${REGION}:${ACCOUNT}:`)).to.equal(REGION);
        });
    });

    describe("arnAccount", () => {
        it("returns the account of an ARN, and undefined for anything that is not one", () => {
            expect(arnAccount(`arn:aws:timestream:${REGION}:${ACCOUNT}:database/metrics`)).to.equal(ACCOUNT);
            expect(arnAccount(`arn:aws:timestream:${REGION}:${ACCOUNT}`)).to.equal(undefined);
            expect(arnAccount(`nra:aws:timestream:${REGION}:${ACCOUNT}:database/metrics`)).to.equal(undefined);
            expect(arnAccount("")).to.equal(undefined);
        });
    });

    describe("keyProblem", () => {
        const usable = { Arn: keyArn(KEY_A), KeyState: "Enabled", KeyUsage: "ENCRYPT_DECRYPT", KeySpec: "SYMMETRIC_DEFAULT" };

        it("passes a key whose description omits KeyState", () => {
            expect(keyProblem({ ...usable, KeyState: undefined }, REGION)).to.equal(undefined);
        });

        it("passes a key whose description omits its ARN, whose region is then unknown", () => {
            expect(keyProblem({ ...usable, Arn: undefined }, REGION)).to.equal(undefined);
        });

        it("passes a key whose description has nothing but its ARN", () => {
            expect(keyProblem({ Arn: keyArn(KEY_A) }, REGION)).to.equal(undefined);
        });

        it("refuses a key whose usage alone is wrong, naming both facts", () => {
            expect(keyProblem({ ...usable, KeyUsage: "GENERATE_VERIFY_MAC" }, REGION)).to.equal(
                "it is a SYMMETRIC_DEFAULT key for GENERATE_VERIFY_MAC, but Timestream needs a symmetric encryption key " +
                    "(KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT); choose such a key",
            );
        });

        it("refuses a key whose spec alone is wrong, with an unknown usage shown as ?", () => {
            expect(keyProblem({ KeySpec: "HMAC_256" }, REGION)).to.include("it is a HMAC_256 key for ?, but");
        });
    });
});
