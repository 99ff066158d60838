/**
 * Puts an existing Timestream database on a KMS key, both named in stack config:
 *
 *     pulumi config set databaseName metrics
 *     pulumi config set kmsKeyId alias/metrics
 *     pulumi config set onDelete restore    # optional; the default, retain, leaves the key alone on destroy
 *     pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
// Resolves to this repository's build through the devDependency "pulumi-timestream-kms": "file:." (run `npm run build`),
// exactly as a user's program resolves the installed package.
import { DatabaseKmsKey, OnDelete } from "pulumi-timestream-kms";

const config = new pulumi.Config();

const key = new DatabaseKmsKey("database-key", {
    databaseName: config.require("databaseName"),
    kmsKeyId: config.require("kmsKeyId"),
    // Refused here, before anything runs, rather than later by the provider's check.
    onDelete: config.get<OnDelete>("onDelete", { allowedValues: ["retain", "restore"] }),
});

/** The key ARN the database uses now. */
export const kmsKeyArn = key.kmsKeyArn;
/** The key the database had before this stack took it over; `onDelete: restore` puts it back. */
export const previousKmsKeyArn = key.previousKmsKeyArn;
/** "CUSTOMER" for a customer-managed key, "AWS" for the AWS managed key alias/aws/timestream. */
export const keyManager = key.keyManager;
/** The KMS state of the key the database uses now (Enabled, Disabled, PendingDeletion, …). */
export const keyState = key.keyState;
