package doccheck

import (
	"strings"
	"testing"
)

// external are the names comments use that the module does not declare:
// AWS services' operations, errors and fields, and other libraries' names.
var external = words(`
	AbCdEf AccessDeniedException AccountId CloudFormation CloudTrail DeepEqual DescribeTaskDefinition
	EncryptionContext ErrorType ExpiredToken ExpiredTokenException GetAtt GetFunctionConfiguration
	GitHub InternalFailure InvalidParameters KiB MaxConnIdleTime MySQL NewConfig NewWithConfig NextToken
	NoEcho OpenTelemetry OptionBeforeConnect PathError PgError PostgreSQL RequestId SecureString
	SigV4 StringEquals StringLike TestMain ThrottlingException UpdateSecretVersionStage ViaService
	WithHTTPClient WithRetryMaxAttempts RemoveFromVersionId DbiResourceId DbClusterResourceId ParseDSN
	RegisterTLSConfig SendBatch AcquireAllIdle
`)

func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(s) {
		out[w] = true
	}
	return out
}

// The module's comments name only what the code has.
func TestModuleDocs(t *testing.T) {
	problems, err := Check("../..", external)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// Each kind of drift is found, in a package that has one of each.
func TestFindsEachDrift(t *testing.T) {
	problems, err := Check("testdata", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Name)
	}
	want := []string{"phaseOf", "Options.Gone", "WithProvider"}
	for _, w := range want {
		if !strings.Contains(strings.Join(got, " "), w) {
			t.Errorf("%s not found; found %v", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("found %v, want %v", got, want)
	}
}
