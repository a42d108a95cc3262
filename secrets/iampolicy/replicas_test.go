package iampolicy

import (
	"slices"
	"strings"
	"testing"

	"github.com/secretref/secretref/secrets"
)

// With failover regions, the role may read each secret's replica (its
// ARN's region replaced) and each parameter's copy there, and decrypt each
// in its own region with its own key; rotation schedules and paths are
// read at home only.
func TestDeriveFailoverRegions(t *testing.T) {
	const (
		westKey = "arn:aws:kms:us-west-2:123456789012:key/2222abcd-12ab-34cd-56ef-1234567890ab"
		westSM  = "arn:aws:secretsmanager:us-west-2:123456789012:secret:"
		westSSM = "arn:aws:ssm:us-west-2:123456789012:parameter"
	)
	in := Input{
		Refs:            []string{"sm:prod/db#password", sm + "prod/app-AbCdEf", "/prod/key"},
		Paths:           []string{"/prod/cfg/"},
		Region:          "eu-west-1",
		Account:         "123456789012",
		FailoverRegions: []string{"us-west-2"},
		Keys:            []Key{{ARN: testKey}, {ARN: westKey}},
	}
	p, err := Derive(in)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(summary(p.Role.Statement), "\n")
	for _, want := range []string{
		"secretsmanager:GetSecretValue,secretsmanager:DescribeSecret " + sm + "prod/app-AbCdEf " + sm + "prod/db-??????",
		"secretsmanager:GetSecretValue " + westSM + "prod/app-AbCdEf " + westSM + "prod/db-??????",
		westSSM + "/prod/key",
		`"kms:ViaService":"secretsmanager.us-west-2.amazonaws.com"`,
		`"kms:ViaService":"ssm.us-west-2.amazonaws.com"`,
		`"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the role's policy lacks %q:\n%s", want, got)
		}
	}
	for _, line := range summary(p.Role.Statement) {
		if strings.Contains(line, "DescribeSecret") && strings.Contains(line, "us-west-2") {
			t.Errorf("DescribeSecret granted in the failover region: %s", line)
		}
		if strings.Contains(line, "GetParametersByPath") && strings.Contains(line, "us-west-2") {
			t.Errorf("GetParametersByPath granted in the failover region: %s", line)
		}
		if strings.Contains(line, westKey) && (strings.Contains(line, "eu-west-1") || !strings.Contains(line, "us-west-2")) {
			t.Errorf("the us-west-2 key is granted for another region's values: %s", line)
		}
		if strings.Contains(line, testKey) && strings.Contains(line, "us-west-2") {
			t.Errorf("the eu-west-1 key is granted for the replicas: %s", line)
		}
	}
	if fc := ForClient(secrets.Options{FailoverRegions: []string{"us-west-2"}}); !slices.Equal(fc.FailoverRegions, []string{"us-west-2"}) {
		t.Error("ForClient does not carry FailoverRegions")
	}
}
