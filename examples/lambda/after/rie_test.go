package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/secretref/secretref/internal/testing/exampletest"
	"github.com/secretref/secretref/internal/testing/poll"
)

// emulator is the AWS Lambda Runtime Interface Emulator running the
// function's bootstrap as Lambda does: it serves the Runtime API to the
// function and takes invocations over HTTP, one at a time.
type emulator struct {
	url     string
	secrets []string
}

// startEmulator starts the emulator with the function built from this
// package, on free loopback ports, with env as the function's environment.
// secretValues must never appear in the output of either.
func startEmulator(t *testing.T, env, secretValues []string) *emulator {
	t.Helper()
	addr := exampletest.FreeAddr(t)
	exampletest.Start(t, exampletest.Command{
		Path: rie.Path,
		Args: []string{
			"--runtime-interface-emulator-address", addr,
			"--runtime-api-address", exampletest.FreeAddr(t),
			bootstrap.Path,
		},
		Env:     env,
		Secrets: secretValues,
	})
	poll.Until(t, "the Runtime Interface Emulator to listen", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return &emulator{url: "http://" + addr + "/2015-03-31/functions/function/invocations", secrets: secretValues}
}

// invoke invokes the function with event as its payload and returns the
// response. A handler error comes back with status 200 too, as a body
// with errorType and errorMessage; invoke fails t on it.
func (e *emulator) invoke(t *testing.T, event any) []byte {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Post(e.url, "application/json", bytes.NewReader(payload))
	if err != nil {
		t.Fatalf("invoking: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	exampletest.NoSecrets(t, "the response", string(body), e.secrets...)
	var failure struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	_ = json.Unmarshal(body, &failure)
	if resp.StatusCode != http.StatusOK || failure.ErrorType != "" {
		t.Fatalf("invocation failed: HTTP %d: %s", resp.StatusCode, exampletest.Redact(string(body), e.secrets...))
	}
	return body
}
