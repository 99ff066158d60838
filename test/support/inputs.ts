/**
 * Generated inputs for the property-based tests (issue 18): every JSON type, strings that are empty, very long, full
 * of control characters, unicode or lone surrogates, `__proto__` keys, Pulumi's unknown placeholder at every depth and
 * Pulumi's secret wire form, each put into one input of an otherwise valid resource.
 */
import * as fc from "fast-check";

/** Pulumi's placeholder for a value unknown during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** A secret as Pulumi serializes it (sig key and value, see @pulumi/pulumi runtime/rpc). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** The inputs the property tests vary, one at a time. */
export const INPUTS = ["databaseName", "kmsKeyId", "region", "endpoint", "onDelete", "profile", "assumeRole", "owner", "takeOver", "recordOwnership"] as const;

/** Fields of a role to assume, so generated roles reach the rules of each field. */
const ROLE_FIELDS = ["roleArn", "externalId", "sessionName", "durationSeconds", "duration", "policy", "policyArns", "tags", "transitiveTagKeys", "sourceIdentity"];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Strings of every kind the rules must survive. */
export const strings = fc.oneof(
    fc.string(),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ unit: "binary-ascii", maxLength: 40 }),
    fc.string({ unit: loneSurrogate, minLength: 1, maxLength: 4 }),
    fc.string({ unit: "grapheme", maxLength: 20 }).map((s) => `alias/${s}`),
    fc.constantFrom("", " ", "\0", "\u2028", "__proto__", "constructor", UNKNOWN, "x".repeat(5_000), "é".repeat(300), "arn:aws:kms:us-east-1:111122223333:key/"),
    fc.constantFrom("https://user:secret@timestream.example.com/", "http://timestream.corp.example:8080", "http://127.0.0.1:1/", "ftp://x", "https://[::1]/"),
);

/**
 * Any value: every JSON type, nested, with `__proto__` keys, unknowns and secrets anywhere. `json` keeps to what a
 * protobuf Struct carries (no undefined, NaN or infinities), for values sent through the real host.
 */
export function anyValue(json: boolean): fc.Arbitrary<unknown> {
    const numbers = json ? fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })) : fc.oneof(fc.integer(), fc.double());
    const leaves = fc.oneof(fc.constant(null), fc.boolean(), numbers, strings, ...(json ? [] : [fc.constant(undefined)]));
    const { value } = fc.letrec((tie) => ({
        value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaves, tie("array"), tie("object"), tie("secret")),
        array: fc.array(tie("value"), { maxLength: 4 }),
        // fast-check gives a "__proto__" key of a dictionary as an own property, as JSON.parse makes it.
        object: fc.dictionary(fc.oneof(strings, fc.constantFrom("__proto__", ...ROLE_FIELDS)), tie("value"), { maxKeys: 4 }),
        secret: tie("value").map((inner) => ({ [SECRET_SIG]: SECRET_VALUE, value: inner })),
    }));
    return value;
}

/** A role to assume whose known fields hold any values (some left out), and sometimes an unknown field. */
export function anyRole(json: boolean): fc.Arbitrary<unknown> {
    const fields = Object.fromEntries(ROLE_FIELDS.map((f) => [f, fc.oneof(anyValue(json), fc.constant(UNKNOWN))]));
    return fc.oneof(fc.record(fields, { requiredKeys: [] }), anyValue(json));
}

/** A value for `input`: any value, and for assumeRole also roles of any field values. */
export function valueFor(input: (typeof INPUTS)[number], json: boolean): fc.Arbitrary<unknown> {
    return input === "assumeRole" ? fc.oneof(anyValue(json), anyRole(json)) : anyValue(json);
}
