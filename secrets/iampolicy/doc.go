// Package iampolicy derives the least-privilege IAM and KMS key policy
// statements a secretref Client needs from the references it reads.
//
// The references a service reads already say what it needs: which secrets
// and parameters, in which region and account, read how. [Derive] turns
// them, and the Client settings that change which AWS actions it calls, into
//
//   - the identity-based policy for the task or function role: one
//     statement per group of actions, each on exact resources (a secret's
//     full ARN, or its name followed by "-??????", never "NAME*"; a
//     parameter's ARN; a GetPath path), and kms:Decrypt on each
//     customer-managed key only through Secrets Manager or Parameter Store
//     (kms:ViaService) and only for those secrets and parameters
//     (kms:EncryptionContext:SecretARN, kms:EncryptionContext:PARAMETER_ARN);
//   - rds-db:connect on each database user a service logs in as with IAM
//     authentication tokens, named by the database's resource id, and
//     dsql:DbConnect or dsql:DbConnectAdmin on each Aurora DSQL cluster,
//     from the same dbauth.Source the service connects with
//     (Input.Databases);
//   - the matching statements for each key's key policy, granting the role.
//
// Permissions add up: a condition in the key policy restricts nothing while
// the role's IAM policy allows kms:Decrypt without it, and the other way
// round. Both documents carry the same conditions, so either alone, or both,
// limit decryption to the listed values.
package iampolicy
