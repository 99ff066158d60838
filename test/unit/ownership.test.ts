import { createHash } from "node:crypto";
import { expect } from "chai";
import {
    CLAIM_TAG_KEYS,
    claimOf,
    claimTags,
    claimToWrite,
    describeOwner,
    isTagText,
    lostClaim,
    ORIGINAL_KEY_TAG,
    takenOnTrust,
    takeOverNote,
    OriginalFacts,
    originalKey,
    OWNER_TAG,
    ownerOf,
    OwnerIdentity,
    ownerProblem,
    refusal,
    standing,
    untrusted,
} from "../../provider/ownership";

const KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const OLD = "arn:aws:kms:us-east-1:111122223333:key/aaaabbbb-cccc-dddd-eeee-ffff00001111";
const OTHER = "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321";
const DATABASE = "arn:aws:timestream:us-east-1:111122223333:database/metrics";
const ME = "metrics/prod/metrics-key+0123456789abcdef";
const THEM = "metrics/dev/metrics-key+fedcba9876543210";
const TYPE = "pulumi-nodejs:dynamic/timestream:DatabaseKmsKey";
const IDENTITY: OwnerIdentity = { organization: "acme", project: "metrics", stack: "prod", type: TYPE, name: "metrics-key" };

describe("ownership rules", () => {
    describe("ownerOf", () => {
        it("writes PROJECT/STACK/RESOURCE followed by + and 16 hex digits of the identity's SHA-256", () => {
            const digest = createHash("sha256").update(JSON.stringify(["acme", "metrics", "prod", null, TYPE, "metrics-key"])).digest("hex");
            expect(ownerOf(IDENTITY)).to.equal(`metrics/prod/metrics-key+${digest.slice(0, 16)}`);
            expect(ownerOf({ ...IDENTITY, name: "team/metrics key@1" })).to.match(/^metrics\/prod\/team\/metrics key@1\+[0-9a-f]{16}$/);
        });

        it("gives two resources that differ in any part of their identity two owners", () => {
            const owners = [
                IDENTITY,
                { ...IDENTITY, organization: undefined },
                { ...IDENTITY, organization: "other" },
                { ...IDENTITY, parentUrn: "urn:pulumi:prod::metrics::my:Component::a" },
                { ...IDENTITY, parentUrn: "urn:pulumi:prod::metrics::my:Component::b" },
                { ...IDENTITY, type: "other:Type" },
                { ...IDENTITY, project: "metrics/prod", stack: "metrics-key", name: "x" },
                { ...IDENTITY, name: "metrics-key_" },
            ].map(ownerOf);
            expect(new Set(owners).size).to.equal(owners.length);
            // Two parents, one readable part: only the hash tells them apart.
            expect(owners[3].slice(0, -17)).to.equal(owners[4].slice(0, -17));
        });

        it("never shares an owner with a resource named like another's cleaned owner", () => {
            const cleaned = ownerOf({ ...IDENTITY, name: "key#1" });
            expect(cleaned).to.match(/^metrics\/prod\/key_1\+[0-9a-f]{16}$/);
            expect(ownerOf({ ...IDENTITY, name: "key_1" })).to.not.equal(cleaned);
            expect(ownerOf({ ...IDENTITY, name: cleaned.slice("metrics/prod/".length) })).to.not.equal(cleaned);
        });

        it("cuts a name too long for a tag value to 256 characters, keeping the hash", () => {
            const a = ownerOf({ ...IDENTITY, name: `${"n".repeat(300)}a` });
            const b = ownerOf({ ...IDENTITY, name: `${"n".repeat(300)}b` });
            expect(a).to.have.length(256);
            expect(a).to.match(/^metrics\/prod\/n+\+[0-9a-f]{16}$/);
            expect(a).to.not.equal(b);
            expect(ownerProblem(a)).to.equal(undefined);
        });

        it("cuts a name of letters outside the BMP without splitting one, within the length ownerProblem measures", () => {
            const owner = ownerOf({ ...IDENTITY, name: "\u{1D49C}".repeat(200) });
            expect(owner).to.have.length(256);
            expect(owner).to.match(/^metrics\/prod\/(\u{1D49C})+\+[0-9a-f]{16}$/u);
            expect(ownerProblem(owner)).to.equal(undefined);
        });

        it("replaces characters tags do not allow, and keeps letters of any script", () => {
            expect(ownerOf({ ...IDENTITY, name: "key*\n" })).to.match(/^metrics\/prod\/key__\+[0-9a-f]{16}$/);
            expect(ownerOf({ ...IDENTITY, name: "clé-données" })).to.match(/^metrics\/prod\/clé-données\+/);
            expect(ownerProblem(ownerOf({ ...IDENTITY, name: "key*\n" }))).to.equal(undefined);
        });
    });

    describe("isTagText", () => {
        it("allows letters and digits of any script, white space and _ . : / = + - @", () => {
            for (const text of ["", "metrics/prod/metrics-key", "arn:aws:kms:us-east-1:111122223333:key/k", "Zürich 東京 ١٢", "a_b.c:d/e=f+g-h@i"]) {
                expect(isTagText(text), text).to.equal(true);
            }
        });

        it("refuses any other character, and a lone surrogate", () => {
            for (const text of ["a;b", "a*b", "a\u0000b", "a\nb", "\uD800"]) expect(isTagText(text), JSON.stringify(text)).to.equal(false);
        });
    });

    describe("ownerProblem", () => {
        for (const bad of ["", "p/s/key#1", `p/s/${"n".repeat(253)}`, "p/s/a\nb"]) {
            it(`refuses ${JSON.stringify(bad.slice(0, 20))}${bad.length > 20 ? "…" : ""}`, () => {
                expect(ownerProblem(bad)).to.match(/^owner must be PROJECT\/STACK\/RESOURCE\+HASH in at most 256 characters that tags allow/);
            });
        }

        it("accepts what ownerOf writes", () => {
            expect(ownerProblem(ownerOf(IDENTITY))).to.equal(undefined);
            // An owner recorded before the hash was added is still one.
            expect(ownerProblem("metrics/prod/metrics-key")).to.equal(undefined);
        });
    });

    describe("describeOwner", () => {
        it("names the resource, stack and project, keeping slashes of the resource name, then the owner as recorded", () => {
            expect(describeOwner("metrics/dev/team/key+0123456789abcdef")).to.equal(
                'resource "team/key" of stack "dev" in project "metrics" (owner "metrics/dev/team/key+0123456789abcdef")',
            );
            expect(describeOwner("metrics/dev/key")).to.equal('resource "key" of stack "dev" in project "metrics" (owner "metrics/dev/key")');
        });

        it("quotes an owner holding a line or paragraph separator on one line", () => {
            expect(describeOwner("a/b/c\u2028Run this")).to.equal('the owner "a/b/c_Run this"');
            expect(describeOwner("a/b/c\u00a0d")).to.equal('the owner "a/b/c_d"');
        });

        it("only quotes an owner that is not PROJECT/STACK/RESOURCE, or that this library would not write", () => {
            expect(describeOwner("someone")).to.equal('the owner "someone"');
            expect(describeOwner("a/b/c;rm")).to.equal('the owner "a/b/c;rm"');
            expect(describeOwner(`p/s/${"n".repeat(300)}`)).to.equal(`the owner "p/s/${"n".repeat(76)}"`);
        });
    });

    describe("claimOf and claimTags", () => {
        it("reads no claim from tags without the owner tag", () => {
            expect(claimOf([])).to.equal(undefined);
            expect(claimOf([{ Key: ORIGINAL_KEY_TAG, Value: OLD }, { Key: "team", Value: "a" }])).to.equal(undefined);
            expect(claimOf([{ Key: OWNER_TAG, Value: "" }])).to.equal(undefined);
        });

        it("reads the owner and the original key, ignoring other tags", () => {
            expect(claimOf([{ Key: "team", Value: "a" }, { Key: OWNER_TAG, Value: ME }, { Key: ORIGINAL_KEY_TAG, Value: OLD }])).to.deep.equal({ owner: ME, originalKeyArn: OLD });
            expect(claimOf([{ Key: OWNER_TAG, Value: ME }])).to.deep.equal({ owner: ME, originalKeyArn: undefined });
        });

        it("writes both tags, and reads back what it wrote", () => {
            const tags = claimTags({ owner: ME, originalKeyArn: OLD });
            expect(tags).to.deep.equal([
                { Key: "pulumi-timestream-kms:owner", Value: ME },
                { Key: "pulumi-timestream-kms:original-key", Value: OLD },
            ]);
            expect(claimOf(tags)).to.deep.equal({ owner: ME, originalKeyArn: OLD });
            expect(CLAIM_TAG_KEYS).to.deep.equal(tags.map((t) => t.Key));
        });
    });

    describe("standing", () => {
        it("is unclaimed without a claim, ours for any of the resource's owners, theirs otherwise", () => {
            expect(standing(undefined, [ME])).to.equal("unclaimed");
            expect(standing({ owner: ME }, [ME])).to.equal("ours");
            expect(standing({ owner: THEM }, [ME, THEM])).to.equal("ours");
            expect(standing({ owner: THEM }, [ME, undefined])).to.equal("theirs");
        });
    });

    describe("originalKey", () => {
        const facts = (overrides: Partial<OriginalFacts> = {}): OriginalFacts => ({ live: OLD, wanted: KEY, takeOver: false, databaseArn: DATABASE, ...overrides });

        it("calls the database's key the original when there is no claim or it records no original key", () => {
            expect(originalKey(undefined, facts())).to.deep.equal({ key: OLD });
            expect(originalKey({ owner: ME }, facts())).to.deep.equal({ key: OLD });
        });

        it("takes the state's original key over the claim's, and says so when they differ", () => {
            expect(originalKey({ owner: ME, originalKeyArn: OLD }, facts({ state: OLD, live: KEY }))).to.deep.equal({ key: OLD });
            expect(originalKey(undefined, facts({ state: OLD, live: KEY }))).to.deep.equal({ key: OLD });
            expect(originalKey({ owner: ME, originalKeyArn: OTHER }, facts({ state: OLD, live: KEY, wanted: KEY }))).to.deep.equal({
                key: OLD,
                note: untrusted(OTHER, `this resource's state recorded ${OLD}`, OLD),
            });
        });

        it("takes the claim's original key without a check when the database is still on it (killed before the key write)", () => {
            expect(originalKey({ owner: ME, originalKeyArn: OLD }, facts())).to.deep.equal({ key: OLD });
        });

        it("offers the claim's original key for DescribeKey when the database is already on the wanted key (killed after the key write)", () => {
            expect(originalKey({ owner: ME, originalKeyArn: OLD }, facts({ live: KEY }))).to.deep.equal({ key: KEY, candidate: OLD });
        });

        it("calls the database's key the original when the claim's is on neither side of the key write, as a forged or stale claim is", () => {
            expect(originalKey({ owner: ME, originalKeyArn: OTHER }, facts())).to.deep.equal({
                key: OLD,
                note: untrusted(OTHER, "the database is on neither that key nor the one this resource puts on it", OLD),
            });
        });

        for (const [tag, why] of [
            ["not a key", "it is not a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)"],
            ["alias/theirs", "it is not a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)"],
            ["arn:aws:kms:us-east-1:111122223333:alias/theirs", "it is not a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)"],
            ["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "it is not a key of the database's account 111122223333 and region us-east-1"],
            ["arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab", "it is not a key of the database's account 111122223333 and region us-east-1"],
        ]) {
            it(`refuses the claim's original key ${JSON.stringify(tag)} without a call: ${why}`, () => {
                expect(originalKey({ owner: ME, originalKeyArn: tag }, facts({ live: KEY }))).to.deep.equal({ key: KEY, note: untrusted(tag, why, KEY) });
            });
        }

        it("offers another owner's original key for DescribeKey with takeOver, whatever key the database is on", () => {
            expect(originalKey({ owner: THEM, originalKeyArn: OLD }, facts({ live: OTHER, takeOver: true }))).to.deep.equal({ key: OTHER, candidate: OLD });
            expect(originalKey({ owner: ME, originalKeyArn: OLD }, facts({ live: OTHER, takeOver: true }))).to.deep.equal({ key: OTHER, candidate: OLD });
        });

        it("checks another owner's original key with takeOver like its own claim's", () => {
            expect(originalKey({ owner: THEM, originalKeyArn: "alias/x" }, facts({ live: OTHER, takeOver: true }))).to.deep.equal({
                key: OTHER,
                note: untrusted("alias/x", "it is not a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)", OTHER),
            });
        });
    });

    describe("takenOnTrust", () => {
        const facts: OriginalFacts = { live: OTHER, wanted: KEY, takeOver: true, databaseArn: DATABASE };

        it("holds when takeOver takes a claim's original key the database is on neither side of, with no state", () => {
            expect(takenOnTrust({ owner: ME, originalKeyArn: OLD }, facts, OLD)).to.equal(true);
        });

        it("does not hold without takeOver, with a state, for another key, for the live key, or when the database is on the wanted key", () => {
            const claim = { owner: ME, originalKeyArn: OLD };
            expect(takenOnTrust(claim, { ...facts, takeOver: false }, OLD)).to.equal(false);
            expect(takenOnTrust(claim, { ...facts, state: OLD }, OLD)).to.equal(false);
            expect(takenOnTrust(claim, facts, OTHER)).to.equal(false);
            expect(takenOnTrust({ owner: ME, originalKeyArn: OTHER }, facts, OTHER)).to.equal(false);
            expect(takenOnTrust(claim, { ...facts, wanted: OTHER }, OLD)).to.equal(false);
            expect(takenOnTrust(undefined, facts, OLD)).to.equal(false);
        });
    });

    describe("takeOverNote", () => {
        it("names the owner taken over from and the key recorded, and says to check it and remove takeOver", () => {
            expect(takeOverNote(THEM, OLD, OTHER)).to.equal(
                `takes the database over from resource "metrics-key" of stack "dev" in project "metrics" (owner "${THEM}"), recording ${OLD} as the original key. ` +
                    "Check previousKmsKeyArn, and remove takeOver once the takeover has succeeded",
            );
        });

        it("names the key taken from the resource's own claim and the key the database is on", () => {
            expect(takeOverNote(undefined, OLD, OTHER)).to.equal(
                `with takeOver, records ${OLD} from this resource's own claim as the original key, although the database is on ${OTHER}. ` +
                    "Check previousKmsKeyArn, and remove takeOver once the takeover has succeeded",
            );
        });
    });

    describe("untrusted", () => {
        it("names the tag, what it named, why it was not taken and what was recorded, quoting the tag", () => {
            expect(untrusted("https://u:p@x", "no", OLD)).to.equal(
                `the claim's pulumi-timestream-kms:original-key tag names "https://***@x", but no: ${OLD} is recorded as the original key and the tag rewritten`,
            );
        });
    });

    describe("claimToWrite", () => {
        it("writes a claim when there is none, when it is another owner's, or when its original key differs", () => {
            expect(claimToWrite(undefined, ME, OLD)).to.deep.equal({ owner: ME, originalKeyArn: OLD });
            expect(claimToWrite({ owner: THEM, originalKeyArn: OLD }, ME, OLD)).to.deep.equal({ owner: ME, originalKeyArn: OLD });
            expect(claimToWrite({ owner: ME, originalKeyArn: OTHER }, ME, OLD)).to.deep.equal({ owner: ME, originalKeyArn: OLD });
            expect(claimToWrite({ owner: ME }, ME, OLD)).to.deep.equal({ owner: ME, originalKeyArn: OLD });
        });

        it("writes nothing when the claim is already this resource's, with that original key", () => {
            expect(claimToWrite({ owner: ME, originalKeyArn: OLD }, ME, OLD)).to.equal(undefined);
        });
    });

    describe("refusal", () => {
        it("names the other owner and says how to resolve it", () => {
            const text = refusal(THEM, ME);
            expect(text).to.include(`resource "metrics-key" of stack "dev" in project "metrics" (owner "${THEM}")`);
            expect(text).to.include("tag pulumi-timestream-kms:owner").and.include("nothing was written");
            expect(text).to.include("remove one of the two").and.match(/set takeOver: true on this resource to take the database over \(the original key it recorded is checked and kept\)$/);
            expect(text).to.not.include("aliases");
        });

        it("suggests aliases when the other owner is of the same stack, as a renamed resource is", () => {
            expect(refusal("metrics/prod/old-name+0123456789abcdef", ME)).to.include("If you renamed this resource, give it the old name in its aliases resource option.");
        });
    });

    describe("lostClaim", () => {
        it("names the owner that claimed the database at the same time, and says nothing was written over it", () => {
            const text = lostClaim(THEM);
            expect(text).to.include(`found the claim of resource "metrics-key" of stack "dev" in project "metrics" (owner "${THEM}"), which claimed it at the same time`);
            expect(text).to.include("The key was not written and that claim was left as it is").and.match(/keep only one; run `pulumi up` again to be told who holds it now$/);
        });

        it("says the claim was removed when none is found", () => {
            expect(lostClaim(undefined)).to.include("found no claim: someone removed it");
        });
    });
});
