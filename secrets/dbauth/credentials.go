package dbauth

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/secretref/secretref/secrets"
)

// Credentials are what a database connection needs, in the fields of a
// database secret. An empty field (zero Port) was not given: a driver
// helper keeps its base configuration's value for it.
//
// Credentials never print their password: String, Format (every verb),
// LogValue and MarshalJSON show [secrets.Redacted] in its place.
type Credentials struct {
	Engine   string // "postgres", "mysql", ...: informative only
	Host     string
	Port     int
	Username string
	Password string
	DBName   string
	// Version is the version of the secret the password was read from;
	// Credentials that differ only in Version log in the same way.
	Version string
}

// sameLogin reports whether a and b log in the same way.
func sameLogin(a, b Credentials) bool {
	return a.Host == b.Host && a.Port == b.Port && a.Username == b.Username &&
		a.Password == b.Password && a.DBName == b.DBName
}

// String describes c without its password.
func (c Credentials) String() string {
	var b strings.Builder
	b.WriteString(c.Username)
	b.WriteString("@")
	b.WriteString(c.Host)
	if c.Port != 0 {
		b.WriteString(":" + strconv.Itoa(c.Port))
	}
	b.WriteString("/" + c.DBName)
	b.WriteString(" (password " + secrets.Redacted)
	if c.Version != "" {
		b.WriteString(", version " + c.Version)
	}
	b.WriteString(")")
	return b.String()
}

// GoString is String.
func (c Credentials) GoString() string { return c.String() }

// Format writes String for every verb.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue logs c's fields, the password as [secrets.Redacted].
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("username", c.Username), slog.String("host", c.Host), slog.Int("port", c.Port),
		slog.String("dbname", c.DBName), slog.String("password", secrets.Redacted), slog.String("version", c.Version))
}

// MarshalJSON encodes c in the secret's form, the password as
// [secrets.Redacted].
func (c Credentials) MarshalJSON() ([]byte, error) {
	j := secretJSON{Engine: c.Engine, Host: c.Host, Username: c.Username, Password: secrets.Redacted, DBName: c.DBName}
	if c.Port != 0 {
		j.Port = json.RawMessage(strconv.Itoa(c.Port))
	}
	return json.Marshal(j)
}

// secretJSON is a database secret as AWS's rotation functions and RDS keep
// it. The port is a number or a string of digits.
type secretJSON struct {
	Engine   string          `json:"engine,omitempty"`
	Host     string          `json:"host,omitempty"`
	Port     json.RawMessage `json:"port,omitempty"`
	Username string          `json:"username,omitempty"`
	Password string          `json:"password"`
	DBName   string          `json:"dbname,omitempty"`
}

// Source says where a database's credentials are kept: a JSON secret,
// references of their own for some fields, or both. A field given by a
// reference replaces the secret's. Every reference is read through the
// Client, in any form it accepts ("sm:prod/db", "/prod/app/db-host",
// "arn:aws:secretsmanager:...").
type Source struct {
	// Secret names a JSON object with the fields engine, host, port,
	// username, password and dbname, all optional (RDS-managed secrets
	// hold only username and password).
	Secret string

	// Host, Port, Username, Password and DBName each name a value that is
	// the field itself ("5432" for Port).
	Host     string
	Port     string
	Username string
	Password string
	DBName   string

	// IAM, when set, makes connections log in with IAM authentication
	// tokens instead of a password (see IAM): Secret and Password are then
	// not set, and Host, Port, Username and DBName, when set, replace
	// IAM's fields.
	IAM *IAM
}

// Positions of a Source's references.
const (
	fieldSecret = iota
	fieldHost
	fieldPort
	fieldUsername
	fieldPassword
	fieldDBName
	numFields
)

func (s Source) refs() [numFields]string {
	return [numFields]string{s.Secret, s.Host, s.Port, s.Username, s.Password, s.DBName}
}

// values holds what a Source's references read, by position.
type values [numFields]secrets.Value

// same reports whether v and w hold the same values at the positions
// used. A cache hit returns the very string it returned before, which
// compares equal at once.
func (v *values) same(w *values, used []int) bool {
	for _, i := range used {
		if v[i].Version() != w[i].Version() || v[i].Reveal() != w[i].Reveal() {
			return false
		}
	}
	return true
}

// credentials builds Credentials from the values of refs; rotating is the
// position of the reference that holds the password. Errors name the
// reference whose value does not fit, never the value.
func credentials(refs *[numFields]string, vals *values, rotating int) (Credentials, error) {
	var c Credentials
	if refs[fieldSecret] != "" {
		if !vals[fieldSecret].IsBinary() && !isJSONObject(vals[fieldSecret].Reveal()) {
			return Credentials{}, &secrets.RefError{Ref: refs[fieldSecret], Err: errNotObject}
		}
		var j secretJSON
		if err := vals[fieldSecret].Decode(&j); err != nil {
			return Credentials{}, &secrets.RefError{Ref: refs[fieldSecret], Err: err}
		}
		c = Credentials{Engine: j.Engine, Host: j.Host, Username: j.Username, Password: j.Password, DBName: j.DBName}
		if len(j.Port) > 0 {
			port, err := parsePort(j.Port)
			if err != nil {
				return Credentials{}, &secrets.RefError{Ref: refs[fieldSecret], Err: err}
			}
			c.Port = port
		}
	}
	if err := overlay(&c, refs, vals); err != nil {
		return Credentials{}, err
	}
	if c.Password == "" {
		return Credentials{}, &secrets.RefError{Ref: refs[rotating], Err: fmt.Errorf("%w: no password", secrets.ErrInvalidValue)}
	}
	c.Version = vals[rotating].Version()
	return c, nil
}

// overlay gives c the fields that references of their own give: they
// replace the secret's (or, with IAM authentication, IAM's).
func overlay(c *Credentials, refs *[numFields]string, vals *values) error {
	for _, f := range [...]struct {
		i   int
		dst *string
	}{{fieldHost, &c.Host}, {fieldUsername, &c.Username}, {fieldPassword, &c.Password}, {fieldDBName, &c.DBName}} {
		if refs[f.i] != "" {
			*f.dst = vals[f.i].Reveal()
		}
	}
	if refs[fieldPort] != "" {
		port, err := parsePort([]byte(vals[fieldPort].Reveal()))
		if err != nil {
			return &secrets.RefError{Ref: refs[fieldPort], Err: err}
		}
		c.Port = port
	}
	return nil
}

// errNotObject is the error of a Source.Secret whose value is not a JSON
// object: most often a secret that holds the password alone.
var errNotObject = fmt.Errorf("%w: the secret is not a JSON object with a password field; "+
	"for a secret that holds the password alone, name it in Source.Password instead of Source.Secret", secrets.ErrInvalidValue)

// isJSONObject reports whether s, after leading white space, starts a JSON
// object; Decode says what else is wrong with it.
func isJSONObject(s string) bool {
	t := strings.TrimLeft(s, " \t\r\n")
	return t != "" && t[0] == '{'
}

// parsePort reads a port given as a JSON number, a JSON string or bare
// digits.
func parsePort(b []byte) (int, error) {
	s := string(b)
	if unquoted, err := strconv.Unquote(s); err == nil {
		s = unquoted
	}
	port, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || port < 1 || port > 65535 {
		return 0, fmt.Errorf("%w: the port is not a number from 1 to 65535", secrets.ErrInvalidValue)
	}
	return port, nil
}
