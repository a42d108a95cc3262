package iampolicy

import (
	"slices"
	"strconv"
	"strings"
)

// statements returns the role's statements for reading, one per group of
// actions, in a fixed order.
func (d *deriver) statements() []Statement {
	d.dropCovered()
	var read, readAndDescribe List
	for resource, describe := range d.secrets {
		if describe {
			readAndDescribe = append(readAndDescribe, resource)
		} else {
			read = append(read, resource)
		}
	}
	var out []Statement
	if len(read) > 0 {
		out = append(out, allow("ReadSecrets", List{actGetSecretValue}, read))
	}
	if len(readAndDescribe) > 0 {
		out = append(out, allow("ReadSecretsAndRotationSchedules", List{actGetSecretValue, actDescribeSecret}, readAndDescribe))
	}
	if !d.in.DisableBatching && anyBatch(d.smBatches) {
		out = append(out, allow("ReadSecretsInBatches", List{actBatchGetSecretValue}, List{"*"}))
	}
	if len(d.params) > 0 {
		actions := List{actGetParameter}
		if !d.in.DisableBatching && (d.pathRead || anyBatch(d.ssmBatches)) {
			actions = append(actions, actGetParameters)
		}
		out = append(out, allow("ReadParameters", actions, keys(d.params)))
	}
	if len(d.paths) > 0 {
		out = append(out, allow("ReadParametersByPath", List{actGetParametersByPath}, keys(d.paths)))
	}
	return append(out, d.databaseStatements()...)
}

// dropCovered drops each full secret ARN that a NAME-?????? pattern of the
// same secret also matches, keeping the pattern with the union of their
// actions.
func (d *deriver) dropCovered() {
	for resource, describe := range d.secrets {
		if strings.HasSuffix(resource, "??????") {
			continue
		}
		pattern := resource[:len(resource)-6] + "??????"
		if patternDescribe, ok := d.secrets[pattern]; ok {
			d.secrets[pattern] = patternDescribe || describe
			delete(d.secrets, resource)
		}
	}
}

func allow(sid string, actions, resources List) Statement {
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: uncovered(resources)}
}

func keys(m map[string]bool) List {
	out := make(List, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// keyStatements is a key and the kms:Decrypt statements it needs.
type keyStatements struct {
	key        kmsKey
	statements []Statement
}

// keys returns, in the order of their ARNs, each key's statements: one per
// service that decrypts with it.
func (d *deriver) keys(in []Key) ([]keyStatements, error) {
	var out []keyStatements
	for _, k := range in {
		key, err := parseKey(k)
		if err != nil {
			return nil, err
		}
		out = append(out, keyStatements{key: key})
	}
	slices.SortFunc(out, func(a, b keyStatements) int { return strings.Compare(a.key.arn, b.key.arn) })
	for i := range out {
		if i > 0 && out[i].key.arn == out[i-1].key.arn {
			return nil, invalidArg("key %q given twice", out[i].key.arn)
		}
	}
	for i := range out {
		sids := [2]string{"DecryptSecrets", "DecryptParameters"}
		if len(out) > 1 {
			n := strconv.Itoa(i + 1)
			sids = [2]string{"DecryptSecretsWithKey" + n, "DecryptParametersWithKey" + n}
		}
		st, err := d.keyStatements(out[i].key, sids)
		if err != nil {
			return nil, err
		}
		out[i].statements = st
	}
	return out, nil
}

func (d *deriver) keyStatements(k kmsKey, sids [2]string) ([]Statement, error) {
	encrypts := k.encrypts
	if len(encrypts) == 0 {
		encrypts = append(slices.Clone(d.in.Refs), d.in.Paths...)
	}
	values := map[string]map[string]bool{} // service → context values
	for _, raw := range encrypts {
		ds, ok := d.decrypts[raw]
		if !ok && !slices.Contains(d.in.Refs, raw) && !slices.Contains(d.in.Paths, raw) {
			return nil, invalidArg("key %q encrypts %q, which is neither in Refs nor in Paths", k.arn, raw)
		}
		// A key decrypts in its own region: the value's there, in its own
		// region or a failover region's replica.
		matched := false
		for _, dec := range ds {
			if dec.region == k.region || isPlaceholder(dec.region) {
				add(values, dec.service, dec.value)
				matched = true
			}
		}
		if !matched && len(ds) > 0 && len(k.encrypts) > 0 {
			return nil, invalidArg("key %q is in %s and cannot encrypt %q, which is read in %s", k.arn, k.region, raw, regionsOf(ds))
		}
	}
	if len(values) == 0 {
		var all []decryption
		for _, raw := range encrypts {
			all = append(all, d.decrypts[raw]...)
		}
		if len(all) > 0 {
			return nil, invalidArg("key %q is in %s and cannot encrypt the values, which are read in %s", k.arn, k.region, regionsOf(all))
		}
		return nil, invalidArg("key %q encrypts no Secrets Manager secret or decrypted parameter", k.arn)
	}
	var out []Statement
	for i, service := range []string{"secretsmanager", "ssm"} {
		if len(values[service]) == 0 {
			continue
		}
		contextKey := contextSecretARN
		if service == "ssm" {
			contextKey = contextParameterARN
		}
		s := allow(sids[i], List{actDecrypt}, List{k.arn})
		s.Condition = decryptCondition(service+"."+k.region+"."+k.dnsSuffix, contextKey, keys(values[service]))
		out = append(out, s)
	}
	return out, nil
}

// decryptCondition limits kms:Decrypt to requests from one service
// endpoint for the given encryption context values, compared with
// StringLike when one of them is a pattern.
func decryptCondition(viaService, contextKey string, values List) Condition {
	values = uncovered(values)
	op := "StringEquals"
	if slices.ContainsFunc(values, func(v string) bool { return strings.ContainsAny(v, "*?") }) {
		op = "StringLike"
	}
	c := Condition{"StringEquals": {"kms:ViaService": List{viaService}}}
	if c[op] == nil {
		c[op] = map[string]List{}
	}
	c[op][contextKey] = values
	return c
}

// regionsOf lists the regions of ds, for a message.
func regionsOf(ds []decryption) string {
	var out []string
	for _, d := range ds {
		if !slices.Contains(out, d.region) {
			out = append(out, d.region)
		}
	}
	return strings.Join(out, " and ")
}
