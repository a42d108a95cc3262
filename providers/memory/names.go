package memory

import (
	"hash/fnv"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// Region and Account are those of the ARNs SecretARN and ParameterARN
// make. A Store is one account: it takes ARNs of any partition, region and
// account.
const (
	Region  = "us-east-1"
	Account = "123456789012"
)

// passthrough is the Parameter Store path under which Secrets Manager
// secrets are read.
const passthrough = "/aws/reference/secretsmanager/"

// randomSuffix is what Secrets Manager appends to a secret's name in its
// full ARN: a '-' and six random letters and digits.
var randomSuffix = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)

// SecretARN returns the full ARN of the secret name, as Secrets Manager
// makes it: with a '-' and six characters after the name, here drawn from
// the name itself, so that a test can write it down.
func SecretARN(name string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	h := fnv.New64a()
	h.Write([]byte(name))
	sum := h.Sum64()
	suffix := make([]byte, 6)
	for i := range suffix {
		suffix[i] = alphabet[sum%uint64(len(alphabet))]
		sum /= uint64(len(alphabet))
	}
	return arn.ARN{Partition: "aws", Service: "secretsmanager", Region: Region, AccountID: Account,
		Resource: "secret:" + name + "-" + string(suffix)}.String()
}

// ParameterARN returns the ARN of the parameter name, as Parameter Store
// makes it.
func ParameterARN(name string) string {
	return arn.ARN{Partition: "aws", Service: "ssm", Region: Region, AccountID: Account,
		Resource: "parameter/" + strings.TrimPrefix(name, "/")}.String()
}

// candidates returns the names under which an entry that name names may be
// stored, in the order they are looked up; the last is the one a new entry
// is stored under. A name stands for itself. A Secrets Manager ARN names
// the secret of its resource, without the six random characters of a full
// ARN (and with them, for a partial ARN of a name that ends the same way).
// A Parameter Store ARN names its parameter, which for a resource
// parameter/NAME may be NAME or /NAME. A Parameter Store read of
// /aws/reference/secretsmanager/NAME names the secret NAME.
func candidates(name string) []string {
	if rest, ok := strings.CutPrefix(name, passthrough); ok && rest != "" {
		return []string{name, rest}
	}
	a, err := arn.Parse(name)
	if err != nil {
		return []string{name}
	}
	switch a.Service {
	case "secretsmanager":
		res, ok := strings.CutPrefix(a.Resource, "secret:")
		if !ok || res == "" {
			break
		}
		if randomSuffix.MatchString(res) {
			return []string{res, res[:len(res)-len("-XXXXXX")]}
		}
		return []string{res}
	case "ssm":
		path, ok := strings.CutPrefix(a.Resource, "parameter/")
		if !ok || path == "" {
			break
		}
		if strings.Contains(path, "/") {
			return []string{"/" + path}
		}
		return []string{path, "/" + path}
	}
	return []string{name}
}
