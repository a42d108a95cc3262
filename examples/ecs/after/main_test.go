package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretref/secretref/internal/testing/exampletest"
	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/internal/testing/pgtest"
	"github.com/secretref/secretref/internal/testing/poll"
)

var service = exampletest.Binary{Package: "./after", Module: "examples/ecs", Name: "service"}

func TestMain(m *testing.M) { os.Exit(exampletest.Main(m, &service)) }

const secretName = "prod/orders/db"

// TestRotationDuringTraffic runs the service against PostgreSQL, with its
// secret in Secrets Manager emulated by kumo, and changes the password
// while requests keep coming: the secret first (PutSecretValue) and, a
// second later, the database (ALTER ROLE). A rotation function's order,
// the database at setSecret and the secret at finishSecret, needs an
// AWSPENDING version in between, which kumo cannot hold beside AWSCURRENT
// (package secrets/dbauth tests that order with the memory store); without
// one, the service could not know that a rotation is under way, and would
// rightly fail the requests in between. Here the service goes on with the
// cached password until the database rejects it, then refreshes the
// secret. Concurrent requests make database/sql open connections all the
// time (it keeps 2 idle). No request may fail, and the service must take
// the new version long before its cache's TTL (5 minutes) would have.
func TestRotationDuringTraffic(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Start(t)
	admin := pg.Admin(t)
	passwordV1, passwordV2 := pgtest.RandomPassword(), pgtest.RandomPassword()
	pg.CreateRole(t, admin, "orders", passwordV1)
	kumo := kumotest.Start(t)
	sm := kumo.SecretsManager(t)
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(secretName), SecretString: aws.String(dbSecretJSON(t, pg, passwordV1))})
	if err != nil {
		t.Fatal(err)
	}
	addrs := exampletest.FreeAddrs(t, 2)
	addr, adminAddr := addrs[0], addrs[1]
	secretRef := aws.ToString(created.ARN)
	svc := exampletest.Start(t, exampletest.Command{
		Path: service.Path,
		Env: append(exampletest.AWSEnv(t, kumo.URL),
			"DB_SECRET_REF="+secretRef,
			"PGSSLMODE=disable",
			"LISTEN_ADDR="+addr,
			"ADMIN_ADDR="+adminAddr,
		),
		Secrets: []string{passwordV1, passwordV2},
	})
	poll.Until(t, "the service to answer", func() bool { return healthy(addr) == nil })
	poll.Until(t, "the admin listener to answer", func() bool { _, err := get(adminAddr, "/debug/vars"); return err == nil })

	traffic := startTraffic(addr, 8)
	traffic.await(t, 100)
	rotated, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(secretName), SecretString: aws.String(dbSecretJSON(t, pg, passwordV2))})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	pg.SetPassword(t, admin, "orders", passwordV2)
	poll.Until(t, "the service to use the new version", func() bool {
		return strings.Contains(svc.Output(), `"msg":"dbauth: new connections use a new version of the credentials"`) &&
			strings.Contains(svc.Output(), `"version":"`+aws.ToString(rotated.VersionId)+`"`)
	})
	checkObservability(t, adminAddr, secretRef, secretName, passwordV1, passwordV2)
	traffic.await(t, traffic.ok.Load()+100)
	ok, failed, err := traffic.stop()
	t.Logf("rotation during traffic: %d requests, %d failed", ok+failed, failed)
	if failed != 0 {
		t.Errorf("%d requests failed; the first: %v", failed, err)
	}

	if err := svc.Stop(t, syscall.SIGTERM, 30*time.Second); err != nil {
		t.Errorf("after SIGTERM: %v, want exit code 0", err)
	}
}

// The service refuses to start without a readable secret, and says why
// without showing any value.
func TestStartFailures(t *testing.T) {
	kumo := kumotest.Start(t)
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{name: "no reference", env: nil, want: "DB_SECRET_REF must name the database secret"},
		{name: "no such secret", env: []string{"DB_SECRET_REF=sm:prod/none"}, want: `secrets: \"sm:prod/none\": secret not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addrs := exampletest.FreeAddrs(t, 2)
			out, code := exampletest.Run(t, exampletest.Command{
				Path: service.Path,
				Env:  append(exampletest.AWSEnv(t, kumo.URL), append(tc.env, "LISTEN_ADDR="+addrs[0], "ADMIN_ADDR="+addrs[1])...),
			}, 30*time.Second)
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Errorf("exit code %d, output:\n%s\nwant exit code 1 and %s", code, out, tc.want)
			}
		})
	}
}

var client = &http.Client{Timeout: 30 * time.Second}

// healthy returns nil when the service's /healthz answers 200.
func healthy(addr string) error {
	_, err := get(addr, "/healthz")
	return err
}

// get returns the body of path on addr, or an error unless it answers 200.
func get(addr, path string) ([]byte, error) {
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %d %s", path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// traffic requests /healthz from several goroutines until stopped.
type traffic struct {
	ok, failed atomic.Int64
	done       chan struct{}
	wg         sync.WaitGroup
	firstErr   atomic.Pointer[error]
}

func startTraffic(addr string, goroutines int) *traffic {
	tr := &traffic{done: make(chan struct{})}
	for range goroutines {
		tr.wg.Go(func() {
			for {
				select {
				case <-tr.done:
					return
				default:
				}
				if err := healthy(addr); err != nil {
					tr.failed.Add(1)
					tr.firstErr.CompareAndSwap(nil, &err)
					continue
				}
				tr.ok.Add(1)
			}
		})
	}
	return tr
}

// await waits until n requests have succeeded.
func (tr *traffic) await(t *testing.T, n int64) {
	t.Helper()
	poll.Until(t, fmt.Sprintf("%d requests", n), func() bool { return tr.ok.Load() >= n })
}

func (tr *traffic) stop() (ok, failed int64, first error) {
	close(tr.done)
	tr.wg.Wait()
	if p := tr.firstErr.Load(); p != nil {
		first = *p
	}
	return tr.ok.Load(), tr.failed.Load(), first
}

// dbSecretJSON is a database secret as the RDS rotation functions keep it.
func dbSecretJSON(t *testing.T, pg *pgtest.Server, password string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"engine": "postgres", "host": pg.Host, "port": pg.Port,
		"username": "orders", "password": password, "dbname": pgtest.Database,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
