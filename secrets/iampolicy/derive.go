package iampolicy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretref/secretref/secrets"
)

// errInvalidArgument classifies every error of Derive but those of
// malformed references, which wrap secrets.ErrInvalidReference.
var errInvalidArgument = secrets.ErrInvalidArgument

// The actions a Client calls, in the order statements list them.
const (
	actGetSecretValue      = "secretsmanager:GetSecretValue"
	actDescribeSecret      = "secretsmanager:DescribeSecret"
	actBatchGetSecretValue = "secretsmanager:BatchGetSecretValue"
	actGetParameter        = "ssm:GetParameter"
	actGetParameters       = "ssm:GetParameters"
	actGetParametersByPath = "ssm:GetParametersByPath"
	actDecrypt             = "kms:Decrypt"
)

// Encryption context keys each service sends KMS, naming what it decrypts.
const (
	contextSecretARN    = "kms:EncryptionContext:SecretARN"
	contextParameterARN = "kms:EncryptionContext:PARAMETER_ARN"
)

// passthroughPrefix is the Parameter Store path under which Secrets
// Manager secrets are read.
const passthroughPrefix = "/aws/reference/secretsmanager/"

// Derive returns the policies a Client with the settings of in needs to
// read in.Refs and in.Paths, and nothing more:
//
//   - secretsmanager:GetSecretValue on each secret: its full ARN when the
//     reference is one, else arn:...:secret:NAME-?????? (the six characters
//     Secrets Manager appends to every ARN), which matches that secret and
//     no other; a partial ARN, without the six characters, gets them as
//     "-??????" too; DescribeSecret as well, to read its rotation schedule,
//     unless in.DisableRotationSchedule or the reference pins a version;
//   - secretsmanager:BatchGetSecretValue (on "*": it has no resource) when
//     two or more unpinned secrets of one region can share a call;
//   - ssm:GetParameter on each parameter's ARN, ssm:GetParameters too when
//     two or more parameters of one region can share a call or a path is
//     read; a /aws/reference/secretsmanager/NAME reference needs it on that
//     path and GetSecretValue on the secret, which Parameter Store reads
//     with the caller's permissions;
//   - ssm:GetParametersByPath on each path, which Parameter Store authorizes
//     against the path itself, and GetParameter on PATH/*, for the values
//     GetPath caches under their own names;
//   - for each region of in.FailoverRegions, the same reads of the replicas
//     there (a replica's ARN is its primary's with the region changed; a
//     parameter's copy has the same name): GetSecretValue, GetParameter,
//     the batch calls; not DescribeSecret, read in a secret's own region
//     only, nor GetParametersByPath, as listings do not fail over;
//   - for each database of in.Databases with IAM tokens, rds-db:connect on
//     arn:...:rds-db:REGION:ACCOUNT:dbuser:RESOURCE_ID/USER (the database's
//     resource id, not its name), or dsql:DbConnect (dsql:DbConnectAdmin
//     for the admin role) on its Aurora DSQL cluster's ARN;
//   - for each key in in.Keys, kms:Decrypt on the key through the service
//     that decrypts (kms:ViaService) in the key's region, and for the
//     values it encrypts there (kms:EncryptionContext:SecretARN,
//     kms:EncryptionContext:PARAMETER_ARN): a replica encrypted with
//     another key, a multi-Region key's replica included, needs that key
//     in Keys too, naming the same references.
//
// A malformed reference gives an error wrapping secrets.ErrInvalidReference;
// any other bad input, one wrapping secrets.ErrInvalidArgument.
func Derive(in Input) (*Policies, error) {
	h, err := home(in)
	if err != nil {
		return nil, err
	}
	if err := checkRole(in.Role); err != nil {
		return nil, err
	}
	// The databases' references are read as Refs are, and keys may
	// encrypt them.
	in.Refs = append(slices.Clone(in.Refs), databaseRefs(in.Databases)...)
	d := newDeriver(in, h)
	for _, src := range in.Databases {
		if err := d.database(src); err != nil {
			return nil, err
		}
	}
	for _, raw := range in.Refs {
		if err := d.ref(raw); err != nil {
			return nil, err
		}
	}
	for _, path := range in.Paths {
		if err := d.path(path); err != nil {
			return nil, err
		}
	}
	if err := d.replicas(); err != nil {
		return nil, err
	}
	if len(d.secrets) == 0 && len(d.params) == 0 && len(d.connects) == 0 {
		return nil, invalidArg("no Secrets Manager or Parameter Store reference or path, and no database with IAM tokens: the role needs no permission")
	}
	keys, err := d.keys(in.Keys)
	if err != nil {
		return nil, err
	}
	p := &Policies{Role: Document{Version: PolicyVersion, Statement: d.statements()}}
	for _, k := range keys {
		p.Role.Statement = append(p.Role.Statement, k.statements...)
	}
	if in.Role != "" {
		for _, k := range keys {
			kp := KeyPolicy{KeyARN: k.key.arn}
			for _, s := range k.statements {
				s.Principal = &Principal{AWS: in.Role}
				s.Resource = List{"*"} // in a key policy, the key itself
				kp.Statement = append(kp.Statement, s)
			}
			p.Keys = append(p.Keys, kp)
		}
	}
	return p, nil
}

// deriver collects what each reference and path needs.
type deriver struct {
	in   Input
	home place
	// secrets maps a secret's ARN or ARN pattern to whether its rotation
	// schedule is read.
	secrets map[string]bool
	// params holds the parameter ARNs and patterns read with GetParameter.
	params map[string]bool
	// paths holds the path ARNs read with GetParametersByPath.
	paths map[string]bool
	// smBatches counts, per region, the secrets a batch call may carry;
	// ssmBatches does so per region and decryption flag for parameters.
	smBatches  map[string]map[string]bool
	ssmBatches map[ssmBatch]map[string]bool
	pathRead   bool
	// connects maps rds-db:connect, dsql:DbConnect and
	// dsql:DbConnectAdmin to the resources the databases need them on.
	connects map[string][]string
	// decrypts maps each reference and path, as written, to what decrypting
	// its value involves.
	decrypts map[string][]decryption
}

type ssmBatch struct {
	region  string
	decrypt bool
}

// decryption is one value's decryption by a service: the service's name in
// kms:ViaService, the region it runs in, and the encryption context key and
// value (an ARN, or a pattern of them) it sends KMS.
type decryption struct {
	service, region, contextKey, value string
}

func newDeriver(in Input, h place) *deriver {
	return &deriver{
		in: in, home: h,
		secrets: map[string]bool{}, params: map[string]bool{}, paths: map[string]bool{},
		smBatches: map[string]map[string]bool{}, ssmBatches: map[ssmBatch]map[string]bool{},
		connects: map[string][]string{}, decrypts: map[string][]decryption{},
	}
}

func (d *deriver) ref(raw string) error {
	r, err := secrets.ParseRef(raw)
	if err != nil {
		return err
	}
	switch r.Scheme {
	case secrets.SchemeSecretsManager:
		return d.secret(raw, r)
	case secrets.SchemeParameterStore:
		return d.parameter(raw, r)
	}
	return nil // env: and file: read no AWS service
}

func (d *deriver) secret(raw string, r secrets.Ref) error {
	p, resource, err := d.secretResource(raw, r.Name)
	if err != nil {
		return err
	}
	pinned := r.Stage != "" || r.VersionID != ""
	d.secrets[resource] = d.secrets[resource] || !d.in.DisableRotationSchedule && !pinned
	if !pinned {
		add(d.smBatches, p.region, r.Name)
	}
	d.decrypts[raw] = append(d.decrypts[raw], decryption{"secretsmanager", p.region, contextSecretARN, resource})
	return nil
}

// secretResource returns where the secret id names a secret and the ARN, or
// ARN pattern, that matches it.
func (d *deriver) secretResource(raw, id string) (place, string, error) {
	if a, err := arn.Parse(id); err == nil {
		p := place{a.Partition, a.Region, a.AccountID}
		name := strings.TrimPrefix(a.Resource, "secret:")
		if hasRandomSuffix(name) {
			return p, id, nil
		}
		// A partial ARN: Secrets Manager finds the secret by name.
		return p, id + "-??????", nil
	}
	if err := d.home.complete(raw); err != nil {
		return place{}, "", err
	}
	return d.home, d.home.arn("secretsmanager", "secret:"+id+"-??????"), nil
}

// hasRandomSuffix reports whether a secret ARN's name ends in the hyphen
// and six characters Secrets Manager appends. A partial ARN of a secret
// whose own name ends that way cannot be told from a full one; give such a
// secret by name or by full ARN.
func hasRandomSuffix(name string) bool {
	n := len(name)
	if n < 8 || name[n-7] != '-' {
		return false
	}
	for _, c := range name[n-6:] {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func (d *deriver) parameter(raw string, r secrets.Ref) error {
	var p place
	var path string
	if a, err := arn.Parse(r.Name); err == nil {
		p, path = place{a.Partition, a.Region, a.AccountID}, strings.TrimPrefix(a.Resource, "parameter")
	} else {
		if err := d.home.complete(raw); err != nil {
			return err
		}
		p, path = d.home, r.Name
		if !strings.HasPrefix(path, "/") {
			// A name without a slash: its ARN is parameter/NAME all the same.
			path = "/" + path
		}
	}
	resource := p.arn("ssm", "parameter"+path)
	d.params[resource] = true
	add(d.ssmBatches, ssmBatch{p.region, !r.SkipDecryption}, r.Name+":"+r.VersionID+r.Stage)
	if name, ok := strings.CutPrefix(path, passthroughPrefix); ok {
		// Parameter Store reads the secret with the caller's permissions,
		// and Secrets Manager decrypts it.
		secret := p.arn("secretsmanager", "secret:"+name+"-??????")
		if _, ok := d.secrets[secret]; !ok {
			d.secrets[secret] = false
		}
		d.decrypts[raw] = append(d.decrypts[raw], decryption{"secretsmanager", p.region, contextSecretARN, secret})
		return nil
	}
	if !r.SkipDecryption {
		d.decrypts[raw] = append(d.decrypts[raw], decryption{"ssm", p.region, contextParameterARN, resource})
	}
	return nil
}

func (d *deriver) path(path string) error {
	if err := checkPath(path); err != nil {
		return err
	}
	if err := d.home.complete(path); err != nil {
		return err
	}
	// GetParametersByPath is authorized against the path as requested; the
	// values under it are cached under their own names and read again with
	// GetParameter when they expire.
	d.paths[d.home.arn("ssm", "parameter"+path)] = true
	children := d.home.arn("ssm", "parameter"+strings.TrimSuffix(path, "/")+"/*")
	d.params[children] = true
	d.pathRead = true
	d.decrypts[path] = append(d.decrypts[path], decryption{"ssm", d.home.region, contextParameterARN, children})
	return nil
}

// checkPath accepts the paths GetPath accepts: "/" and parameter paths,
// with or without a trailing '/'.
func checkPath(path string) error {
	if path == "/" {
		return nil
	}
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("iampolicy: %w: path %q does not start with '/'", secrets.ErrInvalidReference, path)
	}
	if strings.HasPrefix(path+"/", passthroughPrefix) {
		return fmt.Errorf("iampolicy: %w: path %q: Parameter Store lists no secrets under %s", secrets.ErrInvalidReference, path, passthroughPrefix)
	}
	r, err := secrets.ParseRef(strings.TrimSuffix(path, "/"))
	if err != nil {
		return err
	}
	if r.Key != "" || r.Stage != "" || r.VersionID != "" || r.SkipDecryption {
		return fmt.Errorf("iampolicy: %w: path %q takes no #key, selector or parameters", secrets.ErrInvalidReference, path)
	}
	return nil
}

func add[K comparable](m map[K]map[string]bool, k K, id string) {
	if m[k] == nil {
		m[k] = map[string]bool{}
	}
	m[k][id] = true
}

func anyBatch[K comparable](m map[K]map[string]bool) bool {
	for _, ids := range m {
		if len(ids) > 1 {
			return true
		}
	}
	return false
}
