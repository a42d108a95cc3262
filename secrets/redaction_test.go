package secrets_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go/logging"

	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/internal/testing/syncbuf"
	"github.com/secretref/secretref/secrets"
)

// Secrets the redaction tests hide: long and odd enough that no output
// holds one by chance.
const (
	redactedText     = "hunter2-Zq8vR3xW-never-printed"
	redactedPassword = "pw-7Kd93mQx-from-a-json-field"
	redactedJSON     = `{"username":"app","password":"` + redactedPassword + `"}`
)

// redactedBinary is a binary secret that is not UTF-8.
var redactedBinary = []byte("\xff\xfe\x00bin-4Nc8Tt2Lq-\x80\x81never-printed")

// leakForm is one way an output could show a secret.
type leakForm struct{ name, text string }

// leakForms returns the texts whose presence in an output means secret
// leaked: the secret itself and the encodings that printing and marshalling
// use for strings and bytes.
func leakForms(secret string) []leakForm {
	b := []byte(secret)
	q := strconv.Quote(secret)
	forms := []leakForm{
		{"as is", secret},
		{"quoted", q[1 : len(q)-1]},
		{"in hex", hex.EncodeToString(b)},
		{"in upper-case hex", strings.ToUpper(hex.EncodeToString(b))},
		{"in spaced hex", fmt.Sprintf("% x", b)},
		{"in spaced upper-case hex", fmt.Sprintf("% X", b)},
	}
	// Base64 of anything holding the secret holds the encoding of the
	// secret from its first, second or third byte on, whole groups only.
	for i := range 3 {
		seg := b[i:]
		seg = seg[:len(seg)/3*3]
		forms = append(forms,
			leakForm{"in base64", base64.StdEncoding.EncodeToString(seg)},
			leakForm{"in URL base64", base64.URLEncoding.EncodeToString(seg)})
	}
	// Go syntax and decimal for a byte slice: the first eight bytes suffice.
	var goBytes, decimal []string
	for _, c := range b[:min(8, len(b))] {
		goBytes = append(goBytes, fmt.Sprintf("%#x", c))
		decimal = append(decimal, strconv.Itoa(int(c)))
	}
	return append(forms,
		leakForm{"as Go bytes", strings.Join(goBytes, ", ")},
		leakForm{"as decimal bytes", strings.Join(decimal, " ")})
}

// leaks returns how out shows any of secretTexts: the names of the leak
// forms found in it, none when it shows no secret.
func leaks(out string, secretTexts ...string) []string {
	var found []string
	for _, s := range secretTexts {
		for _, f := range leakForms(s) {
			if strings.Contains(out, f.text) {
				found = append(found, fmt.Sprintf("a %d-byte secret %s", len(s), f.name))
			}
		}
	}
	return found
}

// checkNoLeak fails t when out shows any of secretTexts in any of their
// leak forms. Its messages give the secret's length, never the secret.
func checkNoLeak(t testing.TB, what, out string, secretTexts ...string) {
	t.Helper()
	if found := leaks(out, secretTexts...); len(found) > 0 {
		t.Errorf("%s shows %s", what, strings.Join(found, "; "))
	}
}

// allRedacted lists every secret the redaction tests hide.
var allRedacted = []string{redactedText, redactedPassword, redactedJSON, string(redactedBinary)}

// redactionValues returns the secrets as Values read through a Client: a
// text secret, a JSON field and a binary secret.
func redactionValues(t *testing.T) (*secrets.Client, map[string]secrets.Value) {
	t.Helper()
	c, store := newMemoryClient(t)
	store.Put("redaction/text", redactedText)
	store.Put("redaction/json", redactedJSON)
	store.PutBinary("redaction/binary", redactedBinary)
	vals := map[string]secrets.Value{}
	for name, ref := range map[string]string{
		"text":       "sm:redaction/text",
		"JSON field": "sm:redaction/json#password",
		"JSON":       "sm:redaction/json",
		"binary":     "sm:redaction/binary",
	} {
		v, err := c.Get(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		vals[name] = v
	}
	return c, vals
}

// Holders of a Value: exported and unexported fields, pointers, slices,
// maps and interfaces, which encoders and fmt each treat their own way.
type (
	exportedField struct{ V secrets.Value }
	// fmt cannot call methods of an unexported field's value: it prints
	// the fields of the Value itself.
	unexportedField struct{ v secrets.Value }
	pointerFields   struct {
		P *secrets.Value
		p *secrets.Value
	}
	collectionFields struct {
		S []secrets.Value
		A [1]secrets.Value
		M map[string]secrets.Value
		K map[secrets.Value]string
		s []secrets.Value
		m map[string]secrets.Value
	}
	interfaceFields struct {
		I any
		i any
	}
	nestedFields struct {
		Exported   exportedField
		Unexported unexportedField
		Ptr        *unexportedField
		Deep       struct{ In interfaceFields }
		deep       *collectionFields
	}
	xmlFields struct {
		XMLName xml.Name        `xml:"config"`
		Attr    secrets.Value   `xml:"password,attr"`
		Elem    secrets.Value   `xml:"password"`
		Ptr     *secrets.Value  `xml:"ptr"`
		List    []secrets.Value `xml:"list>item"`
		Any     any             `xml:"any"`
		hidden  secrets.Value
	}
)

// holders returns v in every holder, by name.
func holders(v secrets.Value) map[string]any {
	coll := collectionFields{
		S: []secrets.Value{v}, A: [1]secrets.Value{v},
		M: map[string]secrets.Value{"k": v}, K: map[secrets.Value]string{v: "k"},
		s: []secrets.Value{v}, m: map[string]secrets.Value{"k": v},
	}
	iface := interfaceFields{I: v, i: v}
	return map[string]any{
		"Value":             v,
		"*Value":            &v,
		"[]Value":           []secrets.Value{v, v},
		"map[string]Value":  map[string]secrets.Value{"password": v},
		"map[Value]int":     map[secrets.Value]int{v: 1},
		"[]any":             []any{v, &v},
		"exported field":    exportedField{V: v},
		"*exported field":   &exportedField{V: v},
		"unexported field":  unexportedField{v: v},
		"*unexported field": &unexportedField{v: v},
		"pointer fields":    pointerFields{P: &v, p: &v},
		"collection fields": coll,
		"interface fields":  iface,
		"nested fields": nestedFields{
			Exported: exportedField{V: v}, Unexported: unexportedField{v: v}, Ptr: &unexportedField{v: v},
			Deep: struct{ In interfaceFields }{iface}, deep: &coll,
		},
		"XML fields": xmlFields{Attr: v, Elem: v, Ptr: &v, List: []secrets.Value{v}, Any: v, hidden: v},
	}
}

// verbs is every fmt verb, with widths and flags, including the ones that
// do not apply to a struct (fmt prints those as %!verb(type=value) without
// calling any method of the value).
var verbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%p",
	"%t", "%c", "%U", "%b", "%o", "%O", "%e", "%f", "%g",
	"% x", "%#x", "% X", "%+q", "%#q", "%-40s", "%40v", "%08d", "%.3s", "%9.4x", "%#+v",
}

// A Value printed with any verb, alone or in any holder, shows no secret.
// Each verb's subtest names the holders that showed one.
func TestValueNeverPrints(t *testing.T) {
	_, vals := redactionValues(t)
	prints := map[string]func(any) string{
		"Sprint":   func(h any) string { return fmt.Sprint(h, h) },
		"Sprintln": func(h any) string { return fmt.Sprintln(h, h) },
	}
	for _, verb := range verbs {
		prints[verb] = func(h any) string { return fmt.Sprintf(verb, h) }
	}
	for name, print := range prints {
		t.Run(name, func(t *testing.T) {
			checkHoldersHide(t, name, vals, func(h any) map[string]string { return map[string]string{"": print(h)} })
		})
	}
}

// checkHoldersHide fails t, naming the holders, when a text that show
// gives for one of vals in any holder shows a secret. show returns texts
// by the suffix that the holder's name takes in the failure message.
func checkHoldersHide(t *testing.T, what string, vals map[string]secrets.Value, show func(holder any) map[string]string) {
	t.Helper()
	leaked := map[string]bool{}
	for _, v := range vals {
		for holderName, h := range holders(v) {
			for suffix, text := range show(h) {
				if len(leaks(text, allRedacted...)) > 0 {
					leaked[holderName+suffix] = true
				}
			}
		}
	}
	if len(leaked) > 0 {
		t.Errorf("%s shows the secret of a Value held in: %s", what, strings.Join(slices.Sorted(maps.Keys(leaked)), ", "))
	}
}

func TestValueNeverLogs(t *testing.T) {
	_, vals := redactionValues(t)
	ctx := context.Background()
	for name, newHandler := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler {
			return slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true})
		},
		"JSON": func(b *bytes.Buffer) slog.Handler {
			return slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true})
		},
	} {
		for valName, v := range vals {
			var buf bytes.Buffer
			log := slog.New(newHandler(&buf))
			log.Info("key-value pair", "password", v)
			log.Debug("attr", slog.Any("password", v))
			log.Warn("pointer", slog.Any("password", &v))
			log.Error("group", slog.Group("db", slog.Any("password", v), slog.Group("inner", "password", v)))
			log.With("password", v).Info("with")
			log.WithGroup("db").With(slog.Any("password", v)).Info("with a group", "password", v)
			log.LogAttrs(ctx, slog.LevelInfo, "attrs", slog.Any("password", v), slog.String("text", v.String()))
			log.Info(fmt.Sprintf("message %v %s %q %x", v, v, v, v))
			for holderName, h := range holders(v) {
				log.Info("holder", slog.Any(holderName, h), slog.Group("g", holderName, h))
			}
			if buf.Len() == 0 {
				t.Fatalf("%s handler wrote nothing", name)
			}
			checkNoLeak(t, fmt.Sprintf("the %s handler's log of a %s value", name, valName), buf.String(), allRedacted...)
		}
	}
}

// A Value marshalled, or rendered by a template, alone or in any holder,
// shows no secret. Each encoder's subtest names the holders that showed one.
func TestValueNeverMarshals(t *testing.T) {
	_, vals := redactionValues(t)
	gob.Register(secrets.Value{}) // interface fields hold one
	render := func(tmpl interface {
		Execute(io.Writer, any) error
	}) func(any) ([]byte, error) {
		return func(x any) ([]byte, error) {
			var b bytes.Buffer
			err := tmpl.Execute(&b, x)
			return b.Bytes(), err
		}
	}
	const tmpl = `{{.}} {{printf "%x %q %#v" . . .}} {{js .}} {{urlquery .}}`
	for name, marshal := range map[string]func(any) ([]byte, error){
		"JSON":          json.Marshal,
		"indented JSON": func(x any) ([]byte, error) { return json.MarshalIndent(x, "", "  ") },
		"unescaped JSON": func(x any) ([]byte, error) {
			var b bytes.Buffer
			e := json.NewEncoder(&b)
			e.SetEscapeHTML(false)
			err := e.Encode(x)
			return b.Bytes(), err
		},
		"XML": xml.Marshal,
		"gob": func(x any) ([]byte, error) {
			var b bytes.Buffer
			err := gob.NewEncoder(&b).Encode(x)
			return b.Bytes(), err
		},
		"text/template": render(template.Must(template.New("").Parse(tmpl))),
		"html/template": render(htmltemplate.Must(htmltemplate.New("").Parse(tmpl))),
	} {
		t.Run(name, func(t *testing.T) {
			checkHoldersHide(t, name, vals, func(h any) map[string]string {
				out, err := marshal(h)
				texts := map[string]string{"": string(out)}
				// Some holders do not marshal (XML has no maps, gob
				// needs exported fields): their errors must not leak.
				if err != nil {
					texts[" (in the error)"] = err.Error()
				}
				return texts
			})
		})
	}
}

// Errors the library makes about a secret, wrapped the ways callers wrap
// them, and errors callers make with a Value in them, never show the value.
func TestErrorsNeverShowValues(t *testing.T) {
	c, vals := redactionValues(t)
	ctx := context.Background()
	var errs []error
	for _, ref := range []string{
		"sm:redaction/json#missing",    // ErrKeyNotFound on a JSON secret
		"sm:redaction/text#password",   // ErrInvalidValue: not JSON
		"sm:redaction/binary#password", // ErrInvalidValue: binary
		"sm:redaction/absent",          // ErrNotFound
		"sm:redaction/json?stage=x&version-id=y",
	} {
		_, err := c.Get(ctx, ref)
		if err == nil {
			t.Fatalf("Get(%q) succeeded", ref)
		}
		errs = append(errs, err)
	}
	var n int
	var obj struct{ Password int }
	for _, v := range vals {
		errs = append(errs, v.Decode(&n), v.Decode(&obj))
	}
	var load struct {
		Port int  `secret:"sm:redaction/text"`
		On   bool `secret:"sm:redaction/json#password"`
	}
	errs = append(errs, c.Load(ctx, &load))
	v := vals["text"]
	re := &secrets.RefError{Ref: "sm:redaction/text", Err: fmt.Errorf("%w: value %v", secrets.ErrInvalidValue, v)}
	errs = append(errs,
		re,
		fmt.Errorf("connecting with %v: %w", v, errs[0]),
		fmt.Errorf("connecting with %s (%q): %v", v, v, re),
		fmt.Errorf("%w", fmt.Errorf("%w", re)),
		errors.Join(errs[0], errs[1], re),
		fmt.Errorf("wrapped twice: %w and %w", errs[2], re),
	)
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	for i, err := range errs {
		if err == nil {
			t.Fatalf("error %d is nil", i)
		}
		for _, verb := range verbs {
			checkNoLeak(t, fmt.Sprintf("%s of error %d", verb, i), fmt.Sprintf(verb, err), allRedacted...)
		}
		for u := err; u != nil; u = errors.Unwrap(u) {
			checkNoLeak(t, fmt.Sprintf("a cause of error %d", i), u.Error(), allRedacted...)
		}
		log.Error("failed", "error", err, slog.Any("err", err))
	}
	checkNoLeak(t, "the log of the errors", buf.String(), allRedacted...)
}

// A configuration that asks the SDK to log request and response bodies
// does not make the Client log a secret: the providers turn body logging
// off, and the request and response headers it still logs hold no value.
func TestSDKLoggingNeverShowsValues(t *testing.T) {
	ctx := context.Background()
	srv := kumotest.Start(t)
	if _, err := srv.SecretsManager(t).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("logged/db"), SecretString: aws.String(redactedJSON),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.SSM(t).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String("/logged/key"), Value: aws.String(redactedText), Type: ssmtypes.ParameterTypeSecureString,
	}); err != nil {
		t.Fatal(err)
	}
	var logged syncbuf.Buffer
	cfg := srv.Config(t,
		awsconfig.WithClientLogMode(aws.LogRequest|aws.LogRequestWithBody|aws.LogResponse|aws.LogResponseWithBody|aws.LogRetries),
		awsconfig.WithLogger(logging.NewStandardLogger(&logged)))
	c := newAWSClient(t, cfg)
	for _, ref := range []string{"sm:logged/db", "sm:logged/db#password", "/logged/key"} {
		if _, err := c.Get(ctx, ref); err != nil {
			t.Fatalf("Get(%q): %v", ref, err)
		}
	}
	if _, err := c.GetMany(ctx, kumotest.SecretARN("logged/db"), "ssm:/logged/key"); err != nil {
		t.Fatalf("GetMany: %v", err)
	}
	if _, err := c.GetPath(ctx, "/logged", true); err != nil {
		t.Fatalf("GetPath: %v", err)
	}
	out := logged.String()
	// The headers are logged, so logging is on: the bodies are what is off.
	for _, op := range []string{"secretsmanager.GetSecretValue", "AmazonSSM.GetParameter", "AmazonSSM.GetParametersByPath"} {
		if !strings.Contains(out, op) {
			t.Errorf("the SDK's log has no %s request: is logging on?", op)
		}
	}
	checkNoLeak(t, "the SDK's log", out, redactedText, redactedPassword, redactedJSON)
}
