import { expect } from "chai";
import {
    adoption,
    CLAIM_TAG_KEYS,
    claimOf,
    claimTags,
    describeOwner,
    isTagText,
    ORIGINAL_KEY_TAG,
    OWNER_TAG,
    ownerOf,
    ownerProblem,
    refusal,
    standing,
} from "../../provider/ownership";

const KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const OLD = "arn:aws:kms:us-east-1:111122223333:key/aaaabbbb-cccc-dddd-eeee-ffff00001111";
const ME = "metrics/prod/metrics-key";
const THEM = "metrics/dev/metrics-key";

describe("ownership rules", () => {
    describe("ownerOf", () => {
        it("writes PROJECT/STACK/RESOURCE when it fits a tag value", () => {
            expect(ownerOf("metrics", "prod", "metrics-key")).to.equal("metrics/prod/metrics-key");
            expect(ownerOf("p", "s", "team/metrics key@1")).to.equal("p/s/team/metrics key@1");
        });

        it("cuts a name too long for a tag value to 256 characters, ending with a hash that tells two such names apart", () => {
            const a = ownerOf("p", "s", `${"n".repeat(300)}a`);
            const b = ownerOf("p", "s", `${"n".repeat(300)}b`);
            expect(a).to.have.length(256);
            expect(a).to.match(/^p\/s\/n+\+[0-9a-f]{16}$/);
            expect(a).to.not.equal(b);
            expect(ownerProblem(a)).to.equal(undefined);
        });

        it("replaces characters tags do not allow, ending with a hash of the name as given", () => {
            const owner = ownerOf("p", "s", "key#1*");
            expect(owner).to.match(/^p\/s\/key_1_\+[0-9a-f]{16}$/);
            expect(owner).to.not.equal(ownerOf("p", "s", "key_1_"));
            expect(ownerOf("p", "s", "key_1_")).to.equal("p/s/key_1_");
            expect(ownerProblem(owner)).to.equal(undefined);
        });

        it("keeps letters of any script, which tags allow", () => {
            expect(ownerOf("p", "s", "clé-données")).to.equal("p/s/clé-données");
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
                expect(ownerProblem(bad)).to.match(/^owner must be PROJECT\/STACK\/RESOURCE in at most 256 characters that tags allow/);
            });
        }

        it("accepts what ownerOf writes", () => {
            expect(ownerProblem(ownerOf("metrics", "prod", "metrics-key"))).to.equal(undefined);
        });
    });

    describe("describeOwner", () => {
        it("names the resource, stack and project, keeping slashes of the resource name", () => {
            expect(describeOwner("metrics/dev/team/key")).to.equal('resource "team/key" of stack "dev" in project "metrics"');
        });

        it("quotes an owner that is not PROJECT/STACK/RESOURCE as it is", () => {
            expect(describeOwner("someone")).to.equal('"someone"');
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

    describe("adoption", () => {
        it("claims an unclaimed database, calling its current key the original", () => {
            expect(adoption(undefined, { me: ME, takeOver: false, original: OLD })).to.deep.equal({ action: "claim", claim: { owner: ME, originalKeyArn: OLD } });
        });

        it("keeps its own claim as recorded, taking the recorded original key over the one it would call original", () => {
            // A create run again after a killed process finds the database on the new key already.
            expect(adoption({ owner: ME, originalKeyArn: OLD }, { me: ME, takeOver: false, original: KEY })).to.deep.equal({
                action: "keep",
                claim: { owner: ME, originalKeyArn: OLD },
            });
        });

        it("writes its own claim again when its original key tag is missing", () => {
            expect(adoption({ owner: ME }, { me: ME, takeOver: false, original: OLD })).to.deep.equal({ action: "claim", claim: { owner: ME, originalKeyArn: OLD } });
        });

        it("writes the new owner over the one its state recorded (a rename), keeping the original key", () => {
            expect(adoption({ owner: THEM, originalKeyArn: OLD }, { me: ME, recorded: THEM, takeOver: false, original: KEY })).to.deep.equal({
                action: "claim",
                claim: { owner: ME, originalKeyArn: OLD },
            });
        });

        it("refuses another owner's claim", () => {
            expect(adoption({ owner: THEM, originalKeyArn: OLD }, { me: ME, takeOver: false, original: KEY })).to.deep.equal({ action: "refuse", holder: THEM });
        });

        it("takes another owner's claim over with takeOver, keeping the original key it recorded", () => {
            expect(adoption({ owner: THEM, originalKeyArn: OLD }, { me: ME, takeOver: true, original: KEY })).to.deep.equal({
                action: "claim",
                claim: { owner: ME, originalKeyArn: OLD },
            });
        });
    });

    describe("refusal", () => {
        it("names the other owner and says how to resolve it", () => {
            const text = refusal(THEM, ME);
            expect(text).to.include('resource "metrics-key" of stack "dev" in project "metrics"');
            expect(text).to.include("tag pulumi-timestream-kms:owner").and.include("nothing was written");
            expect(text).to.include("remove one of the two").and.include("takeOver: true");
            expect(text).to.not.include("aliases");
        });

        it("suggests aliases when the other owner is of the same stack, as a renamed resource is", () => {
            expect(refusal("metrics/prod/old-name", ME)).to.include("If you renamed this resource, give it the old name in its aliases resource option.");
        });
    });
});
