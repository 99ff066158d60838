/** pulumi-timestream-kms: manage the KMS key of an Amazon Timestream database from Pulumi. */
export { DatabaseKmsKey } from "./resource";
export type { DatabaseKmsKeyArgs } from "./resource";
export { DatabaseKmsKeyProvider } from "./lifecycle";
export type { DatabaseKmsKeyInputs, DatabaseKmsKeyOutputs, OnDelete } from "./lifecycle";
export { DatabaseKmsKeyError, REQUIRED_IAM_ACTIONS } from "./aws";
export type { DatabaseKmsKeyErrorCode } from "./aws";
export type { AssumeRole } from "./credentials";
