package iampolicy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// place is where a resource lives: the fields of its ARN before the
// resource.
type place struct {
	partition, region, account string
}

// arn returns the ARN of resource in service at p.
func (p place) arn(service, resource string) string {
	return arn.ARN{Partition: p.partition, Service: service, Region: p.region, AccountID: p.account, Resource: resource}.String()
}

var (
	regionPattern      = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)
	accountPattern     = regexp.MustCompile(`^[0-9]{12}$`)
	partitionPattern   = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	placeholderPattern = regexp.MustCompile(`^\$\{[A-Za-z0-9:_.-]+\}$`)
)

// isPlaceholder reports whether s is a CloudFormation substitution such as
// ${AWS::Region}.
func isPlaceholder(s string) bool { return placeholderPattern.MatchString(s) }

// regionPartitions maps region name prefixes to the partitions whose
// regions they name; any other region is in "aws".
var regionPartitions = []struct{ prefix, partition string }{
	{"cn-", "aws-cn"},
	{"us-gov-", "aws-us-gov"},
	{"us-iso-", "aws-iso"},
	{"us-isob-", "aws-iso-b"},
	{"eu-isoe-", "aws-iso-e"},
	{"us-isof-", "aws-iso-f"},
	{"eusc-", "aws-eusc"},
}

func partitionOf(region string) string {
	if isPlaceholder(region) {
		return "${AWS::Partition}"
	}
	for _, p := range regionPartitions {
		if strings.HasPrefix(region, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}

// dnsSuffixes are the domains of the service endpoints that kms:ViaService
// names, per partition.
var dnsSuffixes = map[string]string{
	"aws":        "amazonaws.com",
	"aws-us-gov": "amazonaws.com",
	"aws-cn":     "amazonaws.com.cn",
	"aws-iso":    "c2s.ic.gov",
	"aws-iso-b":  "sc2s.sgov.gov",
	"aws-iso-e":  "cloud.adc-e.uk",
	"aws-iso-f":  "csp.hci.ic.gov",
	"aws-eusc":   "amazonaws.eu",
}

// home returns the place of names and paths, checking the fields that are
// set; missing ones are reported when a name needs them.
func home(in Input) (place, error) {
	p := place{partition: in.Partition, region: in.Region, account: in.Account}
	if p.region != "" && !regionPattern.MatchString(p.region) && !isPlaceholder(p.region) {
		return place{}, invalidArg("Region %q is not a region name such as eu-west-1", p.region)
	}
	if p.account != "" && !accountPattern.MatchString(p.account) && !isPlaceholder(p.account) {
		return place{}, invalidArg("Account %q is not 12 digits", p.account)
	}
	if p.partition == "" {
		if p.region != "" {
			p.partition = partitionOf(p.region)
		}
	} else if !partitionPattern.MatchString(p.partition) && !isPlaceholder(p.partition) {
		return place{}, invalidArg("Partition %q is not a partition such as aws, aws-cn or aws-us-gov", p.partition)
	}
	return p, nil
}

// complete reports what p lacks to place the name or path raw.
func (p place) complete(raw string) error {
	switch {
	case p.region == "" && p.account == "":
		return invalidArg("%q is not an ARN: set Input.Region and Input.Account to place it", raw)
	case p.region == "":
		return invalidArg("%q is not an ARN: set Input.Region to place it", raw)
	case p.account == "":
		return invalidArg("%q is not an ARN: set Input.Account to place it", raw)
	}
	return nil
}

// kmsKey is a parsed Input.Keys entry.
type kmsKey struct {
	arn       string
	region    string
	dnsSuffix string
	encrypts  []string
}

func parseKey(k Key) (kmsKey, error) {
	a, err := arn.Parse(k.ARN)
	switch {
	case err != nil:
		return kmsKey{}, invalidArg("key %q is not an ARN", k.ARN)
	case a.Service != "kms" || !strings.HasPrefix(a.Resource, "key/") || len(a.Resource) == len("key/"):
		return kmsKey{}, invalidArg("key %q is not a KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID; an alias does not work in a policy)", k.ARN)
	case !regionPattern.MatchString(a.Region):
		return kmsKey{}, invalidArg("key %q: %q is not a region name", k.ARN, a.Region)
	case !accountPattern.MatchString(a.AccountID):
		return kmsKey{}, invalidArg("key %q: account %q is not 12 digits", k.ARN, a.AccountID)
	}
	suffix, ok := dnsSuffixes[a.Partition]
	if !ok {
		return kmsKey{}, invalidArg("key %q: unknown partition %q", k.ARN, a.Partition)
	}
	return kmsKey{arn: k.ARN, region: a.Region, dnsSuffix: suffix, encrypts: k.Encrypts}, nil
}

func checkRole(role string) error {
	if role == "" || isPlaceholder(role) {
		return nil
	}
	a, err := arn.Parse(role)
	if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") || !accountPattern.MatchString(a.AccountID) {
		return invalidArg("Role %q is not an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)", role)
	}
	return nil
}

func invalidArg(format string, args ...any) error {
	return fmt.Errorf("iampolicy: %w: "+format, append([]any{errInvalidArgument}, args...)...)
}
