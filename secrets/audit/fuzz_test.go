package audit

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// allReasons is every reason text a finding can give, to tell a leaked
// value from one that happens to spell part of the output's own words.
func allReasons() string {
	var b strings.Builder
	for _, r := range []string{ReasonAWSAccessKeyID, ReasonAWSSecretKey, ReasonPrivateKey, ReasonJWT, ReasonGitHubToken, ReasonSlackToken,
		ReasonSlackWebhook, ReasonStripeKey, ReasonURLPassword, ReasonURLSecretQuery, ReasonDSNPassword, ReasonHighEntropy, ReasonHexKey,
		ReasonBasicAuth, ReasonBearerToken, ReasonDynamicRef, ReasonNoEchoParameter, noteAWSKey, noteArgument, jsonFieldPrefix} {
		b.WriteString(r + "\n")
	}
	for _, kinds := range []map[string]string{secretWords, keyWords} {
		for _, k := range kinds {
			b.WriteString(nameReason(k) + "\n")
		}
	}
	return b.String()
}

// FuzzScan feeds Scan arbitrary documents, which must not make it panic,
// and documents of each kind holding one arbitrary variable, whose value
// must appear in no output.
func FuzzScan(f *testing.F) {
	for _, path := range []string{
		"../../examples/ecs/before/task-definition.json", "../../examples/ecs/after/task-definition.json",
		"../../examples/lambda/before/template.yaml", "../../examples/lambda/after/template.yaml",
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "DB_PASSWORD", "example-password")
	}
	for _, c := range labelledCases() {
		f.Add([]byte(`{"FunctionName": "f"}`), c.name, c.value)
	}
	explained := allReasons()
	f.Fuzz(func(t *testing.T, doc []byte, name, value string) {
		if r, err := Scan("doc", doc, Options{}); err == nil {
			if err := WriteText(&bytes.Buffer{}, r); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&bytes.Buffer{}, r); err != nil {
				t.Fatal(err)
			}
		}
		if len(value) < 8 {
			return // a short value may spell a word of the output
		}
		for kind, d := range fuzzDocuments(name, value) {
			r, err := Scan("doc", d, Options{})
			if err != nil {
				if strings.Contains(err.Error(), value) {
					t.Fatalf("%s: the error holds the value (%d bytes)", kind, len(value))
				}
				continue
			}
			// The same document with a value that is always flagged gives
			// every word a finding for this name can have.
			canary, err := Scan("doc", fuzzDocuments(name, fakePrivateKey)[kind], Options{})
			if err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			var words bytes.Buffer
			_ = WriteText(&words, canary)
			_ = WriteJSON(&words, canary)
			if strings.Contains(words.String()+explained, value) {
				return
			}
			assertNoValue(t, r, value)
		}
	})
}

// fuzzDocuments is documents, and a task definition with the variable as
// an option of its command.
func fuzzDocuments(name, value string) map[string][]byte {
	docs := documents(name, value)
	docs["ECS command"] = []byte(`{"family": "app", "containerDefinitions": [{"name": "app", "command": [` +
		jsonString("--"+name+"="+value) + `, ` + jsonString("--"+name) + `, ` + jsonString(value) + `]}]}`)
	return docs
}
