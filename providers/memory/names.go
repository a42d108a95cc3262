package memory

import (
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretref/secretref/providers"
)

// Region and Account are the store's own: a name is a secret or parameter
// of this account in this region, and SecretARN and ParameterARN make ARNs
// there. An ARN names an entry of the partition, region and account it
// says: one of another account or region does not name an entry stored by
// name, as in AWS.
const (
	Region  = "us-east-1"
	Account = "123456789012"
)

// partition is the partition of Region.
const partition = "aws"

// passthrough is the Parameter Store path under which Secrets Manager
// secrets are read.
const passthrough = "/aws/reference/secretsmanager/"

// Service limits on names, from the CreateSecret and PutParameter API
// references.
const (
	maxSecretNameLen    = 512
	maxParameterNameLen = 1011 // with the parameter's ARN around it
	maxParameterDepth   = 15
)

// randomSuffix is what Secrets Manager appends to a secret's name in its
// full ARN: a '-' and six random letters and digits.
var randomSuffix = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)

// SecretARN returns the full ARN of the secret name, as Secrets Manager
// makes it: with a '-' and six characters after the name, here drawn from
// the name itself, so that a test can write it down.
func SecretARN(name string) string {
	return arn.ARN{Partition: partition, Service: "secretsmanager", Region: Region, AccountID: Account,
		Resource: "secret:" + name + "-" + suffixOf(name)}.String()
}

// suffixOf returns the six characters SecretARN puts after name.
func suffixOf(name string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	h := fnv.New64a()
	h.Write([]byte(name))
	sum := h.Sum64()
	suffix := make([]byte, 6)
	for i := range suffix {
		suffix[i] = alphabet[sum%uint64(len(alphabet))]
		sum /= uint64(len(alphabet))
	}
	return string(suffix)
}

// ParameterARN returns the ARN of the parameter name, as Parameter Store
// makes it.
func ParameterARN(name string) string {
	return arn.ARN{Partition: partition, Service: "ssm", Region: Region, AccountID: Account,
		Resource: "parameter/" + strings.TrimPrefix(name, "/")}.String()
}

// CheckName returns nil when Put takes name, and otherwise an error
// wrapping providers.ErrInvalidReference that names it and says which rule
// it breaks. Put takes what one of the two services takes:
//
//   - a name with a leading '/', as a Parameter Store name: letters,
//     digits and _.-, levels separated by '/' (none empty, at most 15), not
//     under /aws or /ssm, at most 1011 characters with its ARN;
//   - any other name, as a Secrets Manager name: 1 to 512 letters, digits
//     and /_+=.@- (a name without '/' may instead be a longer Parameter
//     Store name);
//   - an ARN of either service, in any partition, region and account,
//     whose resource is such a name; a Secrets Manager ARN may end in the
//     six characters of a full ARN.
//
// A /aws/reference/secretsmanager/ path is not a parameter: Put the secret
// by its name.
func CheckName(name string) error {
	if err := checkName(name); err != nil {
		return providers.Classify(providers.ErrInvalidReference, fmt.Errorf("memory: %q: %w", name, err))
	}
	return nil
}

func checkName(name string) error {
	switch {
	case strings.HasPrefix(name, "arn:"):
		return checkARN(name)
	case strings.HasPrefix(name, passthrough):
		return errors.New("a path Parameter Store reads a Secrets Manager secret under, not a parameter: put the secret by its name")
	case strings.HasPrefix(name, "/"):
		return checkParameterName(name)
	case strings.Contains(name, "/"):
		return checkSecretName(name)
	}
	err := checkSecretName(name)
	if err != nil && checkParameterName(name) == nil {
		return nil
	}
	return err
}

func checkARN(name string) error {
	a, err := arn.Parse(name)
	if err != nil {
		return fmt.Errorf("not an ARN (%v)", err)
	}
	if a.Partition == "" || a.Region == "" || a.AccountID == "" {
		return errors.New("an ARN with no partition, region or account")
	}
	switch a.Service {
	case "secretsmanager":
		res, ok := strings.CutPrefix(a.Resource, "secret:")
		if !ok {
			return errors.New("a Secrets Manager ARN's resource starts with \"secret:\"")
		}
		if strings.Contains(res, ":") {
			return errors.New("a secret's ARN with more after the name: store the secret by its ARN alone")
		}
		if err := checkSecretName(res); err != nil && randomSuffix.MatchString(res) {
			return checkSecretName(res[:len(res)-len("-XXXXXX")])
		} else if err != nil {
			return err
		}
		return nil
	case "ssm":
		path, ok := strings.CutPrefix(a.Resource, "parameter/")
		if !ok || path == "" {
			return errors.New("a Parameter Store ARN's resource starts with \"parameter/\" and a name")
		}
		if strings.Contains(path, "/") {
			path = "/" + path
		}
		return checkParameterName(path)
	}
	return fmt.Errorf("an ARN of %s, not of secretsmanager or ssm", a.Service)
}

func checkSecretName(name string) error {
	switch {
	case name == "":
		return errors.New("an empty name")
	case len(name) > maxSecretNameLen:
		return fmt.Errorf("a secret name longer than %d characters", maxSecretNameLen)
	}
	// A secret another service manages is named after that service, as
	// RDS's master user secrets are (rds!db-..., rds!cluster-...): the
	// store holds such a secret as the service would.
	rest := name
	if service, after, ok := strings.Cut(name, "!"); ok && isServiceID(service) {
		rest = after
	}
	if i := strings.IndexFunc(rest, func(r rune) bool { return !isSecretNameChar(r) }); i >= 0 {
		i += len(name) - len(rest)
		return fmt.Errorf("%q at byte %d; Secrets Manager takes letters, digits and /_+=.@- (and a managing service's prefix such as rds!)", name[i:i+1], i)
	}
	return nil
}

// isServiceID reports whether s can be the prefix, before '!', of the name
// of a secret another AWS service manages: rds, events.
func isServiceID(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-') }) < 0
}

func checkParameterName(name string) error {
	switch {
	case name == "":
		return errors.New("an empty name")
	case len(ParameterARN(name)) > maxParameterNameLen:
		return fmt.Errorf("a parameter name longer than %d characters with its ARN", maxParameterNameLen)
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return !isParameterNameChar(r) }); i >= 0 {
		return fmt.Errorf("%q at byte %d; Parameter Store takes letters, digits and _.- (and '/' between levels)", name[i:i+1], i)
	}
	lower := strings.ToLower(strings.TrimPrefix(name, "/"))
	if strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm") {
		return errors.New("a parameter name that starts with aws or ssm, which Parameter Store reserves")
	}
	if !strings.HasPrefix(name, "/") {
		if strings.Contains(name, "/") {
			return errors.New("a parameter name with '/' starts with '/'")
		}
		return nil
	}
	levels := strings.Split(name[1:], "/")
	if len(levels) > maxParameterDepth {
		return fmt.Errorf("a parameter path deeper than %d levels", maxParameterDepth)
	}
	for _, l := range levels {
		if l == "" {
			return errors.New("a parameter path with an empty level (\"//\" or a trailing '/')")
		}
	}
	return nil
}

func isSecretNameChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("/_+=.@-", r)
}

func isParameterNameChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("/_.-", r)
}

// candidate is a key an entry may be stored under, for a name that names
// it. suffix, when set, is the six characters of a full Secrets Manager
// ARN: the entry's own must be the same.
type candidate struct{ key, suffix string }

// candidates returns where the entry that name names may be stored, in the
// order they are looked up; the last is where a new entry is stored. A name
// stands for itself, in the store's account and region. An ARN names an
// entry of its partition, region and account (keyed by those and the name
// when they are not the store's): a Secrets Manager ARN the secret of its
// resource, a full ARN's only when the six characters are the secret's (and
// a partial ARN of a name that ends the same way); a Parameter Store ARN
// its parameter, which for a resource parameter/NAME may be NAME or /NAME.
// A Parameter Store read of /aws/reference/secretsmanager/NAME names the
// secret NAME.
func candidates(name string) []candidate {
	if rest, ok := strings.CutPrefix(name, passthrough); ok && rest != "" {
		return []candidate{{key: rest}}
	}
	a, err := arn.Parse(name)
	if err != nil {
		return []candidate{{key: name}}
	}
	at := func(n string) string {
		if a.Partition == partition && a.Region == Region && a.AccountID == Account {
			return n
		}
		return a.Partition + ":" + a.Region + ":" + a.AccountID + ":" + n
	}
	switch a.Service {
	case "secretsmanager":
		res, ok := strings.CutPrefix(a.Resource, "secret:")
		if !ok || res == "" {
			break
		}
		if randomSuffix.MatchString(res) {
			base := res[:len(res)-len("-XXXXXX")]
			return []candidate{{key: at(res)}, {key: at(base), suffix: res[len(base)+1:]}}
		}
		return []candidate{{key: at(res)}}
	case "ssm":
		path, ok := strings.CutPrefix(a.Resource, "parameter/")
		if !ok || path == "" {
			break
		}
		if strings.Contains(path, "/") {
			return []candidate{{key: at("/" + path)}}
		}
		return []candidate{{key: at(path)}, {key: at("/" + path)}}
	}
	return []candidate{{key: name}}
}

// matches reports whether sec, stored under c.key, is the entry c names.
func (c candidate) matches(sec *secret) bool {
	return sec != nil && (c.suffix == "" || c.suffix == sec.arnSuffix(c.key))
}

// arnSuffix returns the six characters of the full ARN of the entry stored
// under key: those a Put by full ARN gave, or those SecretARN gives.
func (sec *secret) arnSuffix(key string) string {
	if sec.suffix != "" {
		return sec.suffix
	}
	if i := strings.LastIndexByte(key, ':'); i >= 0 {
		key = key[i+1:]
	}
	return suffixOf(key)
}

// find returns the entry name names, nil when there is none. s.mu is held.
func (s *Store) find(name string) *secret {
	for _, c := range candidates(name) {
		if sec := s.secrets[c.key]; c.matches(sec) {
			return sec
		}
	}
	return nil
}

// key returns the key the entry name names is stored under, or is to be.
// s.mu is held.
func (s *Store) key(name string) string {
	cs := candidates(name)
	for _, c := range cs {
		if c.matches(s.secrets[c.key]) {
			return c.key
		}
	}
	return cs[len(cs)-1].key
}

// entry returns the entry name names, made when there is none: one made by
// a full Secrets Manager ARN keeps its six characters. It fails for a full
// ARN whose six characters are not those of the secret of that name, which
// is another secret: Secrets Manager has one secret of a name. s.mu is held.
func (s *Store) entry(name string) (*secret, error) {
	if sec := s.find(name); sec != nil {
		return sec, nil
	}
	cs := candidates(name)
	last := cs[len(cs)-1]
	if s.secrets[last.key] != nil {
		return nil, providers.Classify(providers.ErrInvalidReference,
			fmt.Errorf("memory: %q: the secret of that name has other six characters in its full ARN", name))
	}
	sec := &secret{stages: make(map[string]int)}
	if last.suffix != "" && last.suffix != suffixOf(last.key[strings.LastIndexByte(last.key, ':')+1:]) {
		sec.suffix = last.suffix
	}
	s.secrets[last.key] = sec
	return sec, nil
}

// failure returns the failure injected for name, nil when there is none.
// s.mu is held.
func (s *Store) failure(name string) error {
	for _, c := range candidates(name) {
		if err := s.failures[c.key]; err != nil {
			return err
		}
	}
	return s.failures[""]
}
