package migratesecretcache_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretref/secretref/examples/migrate-secretcache/after"
	"github.com/secretref/secretref/examples/migrate-secretcache/before"
	"github.com/secretref/secretref/internal/testing/kumotest"
)

// credentials is what either Source returned, and how it prints.
type credentials struct {
	user, password, printed string
}

// source is either version of Source.
type source interface {
	credentials(context.Context) (credentials, error)
	refresh(context.Context) (credentials, error)
}

type beforeSource struct{ *before.Source }

func (s beforeSource) credentials(ctx context.Context) (credentials, error) {
	return fromBefore(s.Credentials(ctx))
}

func (s beforeSource) refresh(ctx context.Context) (credentials, error) {
	return fromBefore(s.Refresh(ctx))
}

func fromBefore(c before.Credentials, err error) (credentials, error) {
	return credentials{c.Username, c.Password, fmt.Sprint(c)}, err
}

type afterSource struct{ *after.Source }

func (s afterSource) credentials(ctx context.Context) (credentials, error) {
	return fromAfter(s.Credentials(ctx))
}

func (s afterSource) refresh(ctx context.Context) (credentials, error) {
	return fromAfter(s.Refresh(ctx))
}

func fromAfter(c after.Credentials, err error) (credentials, error) {
	return credentials{c.Username, c.Password.Reveal(), fmt.Sprint(c)}, err
}

// TestSameBehaviour runs one scenario on both versions: a read, a cached
// read, a rotation that the cache does not see until the TTL, and a
// refresh that picks it up. Only how the credentials print differs.
func TestSameBehaviour(t *testing.T) {
	srv := kumotest.Start(t)
	for _, tc := range []struct {
		name           string
		secretID       string
		open           func(t *testing.T, cfg aws.Config, secretID string) source
		printsPassword bool
	}{
		{
			name:     "before: secretcache",
			secretID: "migrate/before/db",
			open: func(t *testing.T, cfg aws.Config, secretID string) source {
				s, err := before.New(cfg, secretID, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				return beforeSource{s}
			},
			printsPassword: true,
		},
		{
			name:     "after: secretref",
			secretID: "migrate/after/db",
			open: func(t *testing.T, cfg aws.Config, secretID string) source {
				s, err := after.New(context.Background(), cfg, secretID, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = s.Close() })
				return afterSource{s}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // secretcache's refresh sleeps for seconds
			ctx := context.Background()
			secretID := tc.secretID
			v1, v2 := secretID+"-password-1", secretID+"-password-2"
			sm := srv.SecretsManager(t)
			if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(secretID), SecretString: aws.String(dbSecret(t, v1))}); err != nil {
				t.Fatal(err)
			}
			cfg, log := srv.LoggedConfig(t)
			s := tc.open(t, cfg, secretID)
			firstRead := time.Now()

			for _, step := range []struct {
				name         string
				rotate       bool
				read         func(context.Context) (credentials, error)
				wantPassword string
				wantFetches  int
			}{
				{name: "first read", read: s.credentials, wantPassword: v1, wantFetches: 1},
				{name: "second read", read: s.credentials, wantPassword: v1, wantFetches: 0},
				{name: "read after a rotation, within the TTL", rotate: true, read: s.credentials, wantPassword: v1, wantFetches: 0},
				{name: "refresh", read: s.refresh, wantPassword: v2, wantFetches: 1},
			} {
				if step.rotate {
					if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(secretID), SecretString: aws.String(dbSecret(t, v2))}); err != nil {
						t.Fatal(err)
					}
					// secretref's Refresh answers with a fetch made in the
					// last second instead of calling AWS again.
					time.Sleep(time.Until(firstRead.Add(1100 * time.Millisecond)))
				}
				c, err := step.read(ctx)
				if err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				if c.user != "app" || c.password != step.wantPassword {
					t.Errorf("%s: user %q and a %d-byte password, want app and the %d-byte password %s",
						step.name, c.user, len(c.password), len(step.wantPassword), versionName(step.wantPassword == v1))
				}
				if n := log.Count("GetSecretValue"); n != step.wantFetches {
					t.Errorf("%s: %d GetSecretValue calls, want %d", step.name, n, step.wantFetches)
				}
				log.Take()
				if prints := strings.Contains(c.printed, c.password); prints != tc.printsPassword {
					t.Errorf("%s: printing the credentials shows the password: %v, want %v", step.name, prints, tc.printsPassword)
				}
			}
		})
	}
}

func versionName(first bool) string {
	if first {
		return "from before the rotation"
	}
	return "from after the rotation"
}

func dbSecret(t *testing.T, password string) string {
	b, err := json.Marshal(map[string]string{"username": "app", "password": password})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
