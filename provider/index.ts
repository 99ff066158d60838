/** pulumi-timestream-kms: manage the KMS key of an Amazon Timestream database from Pulumi. */
export { DatabaseKmsKey, DatabaseKmsKeyArgs, serializableProvider } from "./resource";
export { DatabaseKmsKeyProvider, DatabaseKmsKeyInputs, DatabaseKmsKeyOutputs, OnDelete } from "./lifecycle";
export { DatabaseKmsKeyError, DatabaseKmsKeyErrorCode, REQUIRED_IAM_ACTIONS } from "./aws";
