package audit_test

import (
	"log"
	"os"

	"github.com/secretref/secretref/secrets/audit"
)

func ExampleScan() {
	taskDefinition := []byte(`{
	  "family": "orders",
	  "taskRoleArn": "arn:aws:iam::123456789012:role/orders-task",
	  "containerDefinitions": [{
	    "name": "orders",
	    "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-region": "eu-west-1"}},
	    "environment": [
	      {"name": "DB_HOST", "value": "orders.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com"},
	      {"name": "DB_PASSWORD", "value": "made-up-password"},
	      {"name": "API_KEY_REF", "value": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/api-key-AbCdEf"}
	    ]
	  }]
	}`)
	r, err := audit.Scan("task-definition.json", taskDefinition, audit.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := audit.WriteText(os.Stdout, r); err != nil {
		log.Fatal(err)
	}
	// Output:
	// task-definition.json: DB_PASSWORD at containerDefinitions[0].environment[1] (16 bytes): the name says it holds a password
	//   fix: store the value in Secrets Manager as orders/db-password and set DB_PASSWORD_REF=sm:orders/db-password
	//   the task role then needs:
	//     {"Sid":"ReadSecretsAndRotationSchedules","Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-password-??????"}
	//   or have ECS inject it when the task starts (a rotation then needs a new deployment), with this entry in the container's "secrets":
	//     {"name":"DB_PASSWORD","valueFrom":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-password-??????"}
	//     ?????? being the last six characters of the secret's ARN, which create-secret returns
	//   the task execution role then needs:
	//     {"Sid":"ReadSecrets","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-password-??????"}
	// 1 finding in 1 file
}
