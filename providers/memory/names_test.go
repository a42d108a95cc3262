package memory_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
)

// An ARN names an entry of its own partition, region and account, and a
// full ARN the secret whose six characters it ends in: a reference that
// would not find the secret in AWS does not find it here.
func TestARNsOfOtherPlacesDoNotMatch(t *testing.T) {
	s := memory.New()
	s.Put("prod/db", "secret-value")
	s.Put("/prod/app/key", "parameter-value")
	full := memory.SecretARN("prod/db")
	for _, name := range []string{
		"arn:aws:secretsmanager:eu-west-1:" + memory.Account + ":secret:prod/db",                            // another region
		"arn:aws:secretsmanager:" + memory.Region + ":111122223333:secret:prod/db",                          // another account
		strings.Replace(full, ":"+memory.Account+":", ":111122223333:", 1),                                  // full ARN, another account
		strings.Replace(full, ":"+memory.Region+":", ":eu-west-1:", 1),                                      // full ARN, another region
		"arn:aws-us-gov:secretsmanager:us-gov-west-1:" + memory.Account + ":secret:prod/db",                 // another partition
		full[:len(full)-6] + "Zz9Zz9",                                                                       // other six characters: a secret made again
		"arn:aws:ssm:eu-west-1:" + memory.Account + ":parameter/prod/app/key",                               // a parameter of another region
		"arn:aws:ssm:" + memory.Region + ":111122223333:parameter/prod/app/key",                             // ... of another account
		"arn:aws-cn:ssm:cn-north-1:" + memory.Account + ":parameter/prod/app/key",                           // ... of another partition
		"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db#password",                             // not even a name
		"arn:aws:kms:" + memory.Region + ":" + memory.Account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab", // another service
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Fetch(context.Background(), providers.Request{Name: name}); !errors.Is(err, providers.ErrNotFound) {
				t.Errorf("Fetch: %v, want ErrNotFound", err)
			}
		})
	}
}

// A secret put by the ARN of another account or region is there, and is
// read by that ARN, full or partial, not by its name.
func TestPutByARNOfAnotherPlace(t *testing.T) {
	s := memory.New()
	const full = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf"
	s.Put(full, "elsewhere")
	s.Put("prod/db", "here")
	for name, want := range map[string]string{
		full: "elsewhere",
		"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db": "elsewhere",
		"prod/db":                   "here",
		memory.SecretARN("prod/db"): "here",
	} {
		if got := fetchValue(t, s, providers.Request{Name: name}); got != want {
			t.Errorf("Fetch(%q) gave a %d-byte value, want the %d-byte one", name, len(got), len(want))
		}
	}
	// The secret of that name has its six characters: a full ARN with
	// others is another secret, which Secrets Manager cannot hold beside it.
	if _, err := s.Fetch(context.Background(), providers.Request{Name: full[:len(full)-6] + "Zz9Zz9"}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Fetch by a full ARN with other six characters: %v", err)
	}
	defer func() {
		err, _ := recover().(error)
		if !errors.Is(err, providers.ErrInvalidReference) {
			t.Errorf("Put by a full ARN with other six characters: panic %v, want ErrInvalidReference", err)
		}
	}()
	s.Put(full[:len(full)-6]+"Zz9Zz9", "another")
}

func TestCheckName(t *testing.T) {
	long := func(prefix string, n int) string { return prefix + strings.Repeat("n", n-len(prefix)) }
	for _, name := range []string{
		"prod/db", "flat", "a+b=c.d@e_f-g", "/prod/app/key", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o", "legacy-AbCdEf",
		long("", 512), long("x", 900), // a flat name may be a longer parameter name
		"aws-managed/like", "ssmconfig", // Secrets Manager takes them; Parameter Store's rule is for its own names
		memory.SecretARN("prod/db"), memory.ParameterARN("/prod/app/key"), memory.ParameterARN("flat"),
		"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db", "arn:aws-cn:ssm:cn-north-1:111122223333:parameter/x/y",
		"arn:aws:secretsmanager:eu-west-1:111122223333:secret:" + long("", 512) + "-AbCdEf",
	} {
		if err := memory.CheckName(name); err != nil {
			t.Errorf("CheckName(%.40q): %v", name, err)
		}
	}
	for name, why := range map[string]string{
		"":                                      "empty",
		"prod db":                               `" " at byte 4`,
		"prod/db#password":                      `"#" at byte 7`,
		"prod/db?stage=x":                       `"?"`,
		"prod/db:password::":                    `":"`,
		"prod/dé":                               "byte 6",
		long("a/", 513):                         "longer than 512",
		long("/", 1011):                         "longer than 1011",
		"/prod//key":                            "empty level",
		"/prod/key/":                            "empty level",
		"/prod/a+b":                             `"+" at byte 7`,
		"/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p":      "deeper than 15",
		"/aws/custom":                           "reserves",
		"/SSM/custom":                           "reserves",
		"/aws/reference/secretsmanager/prod/db": "by its name",
		"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db:password::": "more after the name",
		"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod db":            `" "`,
		"arn:aws:ssm:eu-west-1:111122223333:parameter/aws/x":                      "reserves",
		"arn:aws:kms:eu-west-1:111122223333:key/x":                                "not of secretsmanager or ssm",
		"arn:aws:secretsmanager:eu-west-1:111122223333:rotation:x":                `"secret:"`,
		"arn:nope":                  "not an ARN",
		"arn:aws:ssm:::parameter/x": "no partition, region or account",
	} {
		if err := memory.CheckName(name); !errors.Is(err, providers.ErrInvalidReference) || !strings.Contains(err.Error(), why) {
			t.Errorf("CheckName(%.40q) = %v; want ErrInvalidReference saying %q", name, err, why)
		}
	}
}

// Put refuses what CheckName refuses, with its error.
func TestPutPanicsOnAnInvalidName(t *testing.T) {
	for _, put := range map[string]func(s *memory.Store, name string){
		"Put":        func(s *memory.Store, name string) { s.Put(name, "v") },
		"PutBinary":  func(s *memory.Store, name string) { s.PutBinary(name, []byte("v")) },
		"PutPending": func(s *memory.Store, name string) { s.PutPending(name, "v") },
		"Rotate":     func(s *memory.Store, name string) { s.Rotate(name, "v") },
	} {
		s := memory.New()
		func() {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, providers.ErrInvalidReference) || !strings.Contains(err.Error(), `"prod db"`) {
					t.Errorf("panic %v, want the error of CheckName", err)
				}
			}()
			put(s, "prod db")
		}()
		if s.Calls() != 0 {
			t.Error("a refused Put counted a call")
		}
	}
}
