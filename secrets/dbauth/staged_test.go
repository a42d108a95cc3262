package dbauth_test

import (
	"context"
	"testing"
	"time"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
)

// nextStaged is a backend of a scheme of its own that keeps a rotation's
// new version under the label "next": it reads a memory store, whose
// label for that is AWSPENDING.
type nextStaged struct{ store *memory.Store }

func (p nextStaged) PendingStage() string { return "next" }

func (p nextStaged) Fetch(ctx context.Context, req providers.Request) (*providers.Result, error) {
	if req.Stage == "next" {
		req.Stage = memory.StagePending
	}
	return p.store.Fetch(ctx, req)
}

// The pending version is read under the label its provider names
// (providers.Staged), whatever the scheme: between setSecret and
// finishSecret of a single-user rotation, a connection finds it.
func TestPendingVersionOfAnyStagedProvider(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	store.Put(secretName, secretJSON(t, "orders", "password-v1"))
	c, err := secrets.New(ctx, func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{
			secrets.SchemeSecretsManager: store, secrets.SchemeParameterStore: store, "vault": nextStaged{store},
		}
		o.TTL = time.Hour
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := dbauth.New(c, dbauth.Source{Secret: "vault:" + secretName})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	db := newFakeDB("password-v1")
	if _, err := dbauth.Connect(ctx, a, db.connect); err != nil {
		t.Fatal(err)
	}

	pending := store.PutPending(secretName, secretJSON(t, "orders", "password-v2")) // createSecret
	db.accept("password-v2")                                                        // setSecret
	deadline, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := dbauth.Connect(deadline, a, db.connect)
	if err != nil {
		t.Fatalf("between setSecret and finishSecret: %v", err)
	}
	if conn.creds.Version != pending {
		t.Errorf("connected with version %q, want the pending version %s", conn.creds.Version, pending)
	}
}
