package secrets_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secretref/secretref/secrets"
)

type dbCreds struct {
	User     string `json:"username"`
	Password string `json:"password"`
}

type nested struct {
	Host string `secret:"/cfg/host"`
}

type config struct {
	DBUser     string        `secret:"sm:prod/db#username"`
	DBPassword secrets.Value `secret:"sm:prod/db#password"`
	APIKey     []byte        `secret:"/prod/payments/api-key"`
	Timeout    time.Duration `secret:"/prod/payments/timeout"`
	Optional   string        `secret:"/prod/feature/x,optional"`
	Enabled    bool          `secret:"/cfg/enabled"`
	Port       int           `secret:"sm:prod/db#port"`
	Small      int8          `secret:"/cfg/small"`
	Workers    uint16        `secret:"/cfg/workers"`
	Ratio      float64       `secret:"/cfg/ratio"`
	Creds      dbCreds       `secret:"sm:prod/db"`
	CredsPtr   *dbCreds      `secret:"sm:prod/db"`
	Nested     nested
	NestedPtr  *nested
	ignored    string // untagged unexported fields are left alone
	Untagged   string
}

func TestLoadEveryFieldType(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("prod/db", `{"username":"app","password":"pw-for-load","port":5432}`)
	store.Put("/prod/payments/api-key", "key-bytes")
	store.Put("/prod/payments/timeout", "1m30s")
	store.Put("/cfg/enabled", "true")
	store.Put("/cfg/small", "-12")
	store.Put("/cfg/workers", "300")
	store.Put("/cfg/ratio", "0.25")
	store.Put("/cfg/host", "db.internal")

	cfg := config{ignored: "kept", Untagged: "kept"}
	if err := c.Load(context.Background(), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.ignored != "kept" || cfg.Untagged != "kept" {
		t.Errorf("Load changed untagged fields: ignored=%q Untagged=%q", cfg.ignored, cfg.Untagged)
	}
	if cfg.DBUser != "app" || cfg.DBPassword.Reveal() != "pw-for-load" || string(cfg.APIKey) != "key-bytes" ||
		cfg.Timeout != 90*time.Second || cfg.Optional != "" || !cfg.Enabled || cfg.Port != 5432 ||
		cfg.Small != -12 || cfg.Workers != 300 || cfg.Ratio != 0.25 ||
		cfg.Creds.User != "app" || cfg.CredsPtr == nil || cfg.CredsPtr.Password != "pw-for-load" ||
		cfg.Nested.Host != "db.internal" || cfg.NestedPtr == nil || cfg.NestedPtr.Host != "db.internal" {
		t.Fatalf("Load filled the struct wrongly (fields: user=%q timeout=%v port=%d small=%d workers=%d ratio=%v)",
			cfg.DBUser, cfg.Timeout, cfg.Port, cfg.Small, cfg.Workers, cfg.Ratio)
	}
	// One fetch per secret: the #key fields share theirs.
	if n := store.Calls(); n != 9 {
		t.Errorf("%d fetches, want 9 (one per distinct secret)", n)
	}
}

func TestLoadErrors(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("/bad/int", "twelve-secret-text")
	store.Put("/bad/range", "300")
	store.Put("/bad/json", "not-json-secret-text")
	store.Put("/good", "fine")
	for _, tc := range []struct {
		name    string
		dst     any
		want    error
		mention []string
	}{
		{"missing", &struct {
			A string `secret:"/nope"`
		}{}, secrets.ErrNotFound, []string{"field .A", "/nope"}},
		{"not a number", &struct {
			N int `secret:"/bad/int"`
		}{}, secrets.ErrInvalidValue, []string{"field .N", "/bad/int", "int"}},
		{"out of range", &struct {
			N int8 `secret:"/bad/range"`
		}{}, secrets.ErrInvalidValue, []string{"int8", "out of range"}},
		{"not a duration", &struct {
			D time.Duration `secret:"/bad/int"`
		}{}, secrets.ErrInvalidValue, []string{"time.Duration"}},
		{"not a bool", &struct {
			B bool `secret:"/bad/int"`
		}{}, secrets.ErrInvalidValue, []string{"bool"}},
		{"not JSON", &struct {
			S dbCreds `secret:"/bad/json"`
		}{}, secrets.ErrInvalidValue, []string{"not valid JSON"}},
		{"unsupported type", &struct {
			M map[string]string `secret:"/good"`
		}{}, secrets.ErrInvalidArgument, []string{"map[string]string"}},
		{"unexported tagged", &struct {
			s string `secret:"/good"`
		}{}, secrets.ErrInvalidArgument, []string{"exported"}},
		{"unknown option", &struct {
			S string `secret:"/good,required"`
		}{}, secrets.ErrInvalidArgument, []string{"required"}},
		{"empty reference", &struct {
			S string `secret:""`
		}{}, secrets.ErrInvalidArgument, []string{"empty reference"}},
		{"malformed reference", &struct {
			S string `secret:"sm:bad name"`
		}{}, secrets.ErrInvalidReference, []string{"sm:bad name"}},
		{"not a pointer", struct{}{}, secrets.ErrInvalidArgument, []string{"pointer to a struct"}},
		{"nil pointer", (*config)(nil), secrets.ErrInvalidArgument, []string{"pointer to a struct"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Load(context.Background(), tc.dst)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Load: %v, want %v", err, tc.want)
			}
			for _, m := range tc.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			if strings.Contains(err.Error(), "secret-text") || strings.Contains(err.Error(), "twelve") {
				t.Errorf("error message contains the value")
			}
		})
	}
}

// A failing field leaves the whole struct as it was.
func TestLoadIsAllOrNothing(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("/ok", "new")
	dst := struct {
		A string `secret:"/ok"`
		B string `secret:"/missing"`
		P *nested
	}{A: "old"}
	if err := c.Load(context.Background(), &dst); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("Load: %v", err)
	}
	if dst.A != "old" || dst.P != nil {
		t.Fatalf("a failed Load changed the struct")
	}
}

func TestLoadOptionalOnlyExcusesAbsence(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("prod/db", `{"username":"app"}`)
	store.Put("/bad", "x")
	ok := struct {
		A string `secret:"/absent,optional"`
		B string `secret:"sm:prod/db#password,optional"`
	}{A: "default"}
	if err := c.Load(context.Background(), &ok); err != nil || ok.A != "default" {
		t.Fatalf("optional absent fields: %v, A=%q", err, ok.A)
	}
	bad := struct {
		N int `secret:"/bad,optional"`
	}{}
	if err := c.Load(context.Background(), &bad); !errors.Is(err, secrets.ErrInvalidValue) {
		t.Fatalf("optional field with a bad value: %v, want ErrInvalidValue", err)
	}
}

type recursive struct {
	Name string `secret:"/good"`
	Next *recursive
}

func TestLoadRecursiveType(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("/good", "v")
	var r recursive
	if err := c.Load(context.Background(), &r); err != nil || r.Name != "v" || r.Next != nil {
		t.Fatalf("Load of a recursive type: %v", err)
	}
}

// A tag takes its reference from the environment, where a task definition
// puts it; an unset variable is an error naming it and the field.
func TestLoadTagFromEnvironment(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("prod/db", `{"username":"app","password":"pw-from-env"}`)
	t.Setenv("DB_SECRET_REF", "sm:prod/db")
	var cfg struct {
		User     string `secret:"${DB_SECRET_REF}#username"`
		Password string `secret:"${DB_SECRET_REF}#password"`
	}
	if err := c.Load(context.Background(), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.User != "app" || cfg.Password != "pw-from-env" {
		t.Fatalf("Load through the environment filled %q and %d bytes", cfg.User, len(cfg.Password))
	}
	for _, tc := range []struct{ tag, want string }{
		{"${UNSET_SECRET_REF}#password", "UNSET_SECRET_REF is not set"},
		{"${DB SECRET}", "malformed"},
		{"${DB_SECRET_REF", "malformed"},
	} {
		t.Setenv("UNSET_SECRET_REF", "")
		err := loadWithTag(c, tc.tag)
		if !errors.Is(err, secrets.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), ".F") {
			t.Errorf("tag %q: %v; want ErrInvalidArgument naming the field and saying %q", tc.tag, err, tc.want)
		}
	}
}

// loadWithTag loads a struct of one string field F tagged with tag.
func loadWithTag(c *secrets.Client, tag string) error {
	typ := reflect.StructOf([]reflect.StructField{{Name: "F", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(`secret:"` + tag + `"`)}})
	return c.Load(context.Background(), reflect.New(typ).Interface())
}
