package iampolicy_test

import (
	"fmt"
	"log"
	"os"

	"github.com/secretref/secretref/secrets/iampolicy"
)

// The policy for the references the quickstart reads: a secret by ARN, the
// same secret by name, a SecureString by path and a path with GetPath, all
// encrypted with one customer-managed key.
func ExampleDerive() {
	p, err := iampolicy.Derive(iampolicy.Input{
		Refs: []string{
			"arn:aws:secretsmanager:us-east-1:123456789012:secret:quickstart/db-da8067:password::",
			"sm:quickstart/db#username",
			"/quickstart/payments/api-key",
		},
		Paths:   []string{"/quickstart/payments"},
		Region:  "us-east-1",
		Account: "123456789012",
		Keys:    []iampolicy.Key{{ARN: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
		Role:    "arn:aws:iam::123456789012:role/quickstart",
	})
	if err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(p.Role.JSON())
	fmt.Println("key policy of", p.Keys[0].KeyARN)
	os.Stdout.Write(p.Keys[0].JSON())
	// Output:
	// {
	//   "Version": "2012-10-17",
	//   "Statement": [
	//     {
	//       "Sid": "ReadSecretsAndRotationSchedules",
	//       "Effect": "Allow",
	//       "Action": [
	//         "secretsmanager:GetSecretValue",
	//         "secretsmanager:DescribeSecret"
	//       ],
	//       "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:quickstart/db-??????"
	//     },
	//     {
	//       "Sid": "ReadSecretsInBatches",
	//       "Effect": "Allow",
	//       "Action": "secretsmanager:BatchGetSecretValue",
	//       "Resource": "*"
	//     },
	//     {
	//       "Sid": "ReadParameters",
	//       "Effect": "Allow",
	//       "Action": [
	//         "ssm:GetParameter",
	//         "ssm:GetParameters"
	//       ],
	//       "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/quickstart/payments/*"
	//     },
	//     {
	//       "Sid": "ReadParametersByPath",
	//       "Effect": "Allow",
	//       "Action": "ssm:GetParametersByPath",
	//       "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/quickstart/payments"
	//     },
	//     {
	//       "Sid": "DecryptSecrets",
	//       "Effect": "Allow",
	//       "Action": "kms:Decrypt",
	//       "Resource": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	//       "Condition": {
	//         "StringEquals": {
	//           "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"
	//         },
	//         "StringLike": {
	//           "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:quickstart/db-??????"
	//         }
	//       }
	//     },
	//     {
	//       "Sid": "DecryptParameters",
	//       "Effect": "Allow",
	//       "Action": "kms:Decrypt",
	//       "Resource": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	//       "Condition": {
	//         "StringEquals": {
	//           "kms:ViaService": "ssm.us-east-1.amazonaws.com"
	//         },
	//         "StringLike": {
	//           "kms:EncryptionContext:PARAMETER_ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/quickstart/payments/*"
	//         }
	//       }
	//     }
	//   ]
	// }
	// key policy of arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
	// [
	//   {
	//     "Sid": "DecryptSecrets",
	//     "Effect": "Allow",
	//     "Principal": {
	//       "AWS": "arn:aws:iam::123456789012:role/quickstart"
	//     },
	//     "Action": "kms:Decrypt",
	//     "Resource": "*",
	//     "Condition": {
	//       "StringEquals": {
	//         "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"
	//       },
	//       "StringLike": {
	//         "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:quickstart/db-??????"
	//       }
	//     }
	//   },
	//   {
	//     "Sid": "DecryptParameters",
	//     "Effect": "Allow",
	//     "Principal": {
	//       "AWS": "arn:aws:iam::123456789012:role/quickstart"
	//     },
	//     "Action": "kms:Decrypt",
	//     "Resource": "*",
	//     "Condition": {
	//       "StringEquals": {
	//         "kms:ViaService": "ssm.us-east-1.amazonaws.com"
	//       },
	//       "StringLike": {
	//         "kms:EncryptionContext:PARAMETER_ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/quickstart/payments/*"
	//       }
	//     }
	//   }
	// ]
}
