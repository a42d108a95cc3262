package audit

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
)

// labelledCase is one environment variable and the reasons it must be
// flagged for: none for a trap, a value that is not a secret.
type labelledCase struct {
	label, name, value string
	want               []string
}

func labelledCases() []labelledCase {
	name := nameReason
	json := func(kind string) string { return jsonFieldPrefix + nameReason(kind) }
	return []labelledCase{
		// Secrets, by name.
		{"password by name", "DB_PASSWORD", "before-example-password", []string{name("a password")}},
		{"password by a name written as one word", "PGPASSWORD", "before-example-password", []string{name("a password")}},
		{"token by a name written as one word", "GITHUBTOKEN", "not-a-token-format", []string{name("a token")}},
		{"camelCase name", "dbPassword", "example-pw-1", []string{name("a password")}},
		{"short password name", "SMTP_PASS", "example", []string{name("a password")}},
		{"secret by name", "NEXTAUTH_SECRET", "example", []string{name("a secret")}},
		{"API key by name", "PARTNER_API_KEY", "before-example-api-key", []string{name("an API key")}},
		{"API key in one word", "APIKEY", "example", []string{name("an API key")}},
		{"signing key by name", "SIGNING_KEY", "example-signing", []string{name("a signing key")}},
		{"credentials by name", "CLIENT_CREDENTIALS", "example:example", []string{name("credentials")}},
		{"password of digits", "ADMIN_PASSWORD", "12345678", []string{name("a password")}},
		{"dynamic reference to a String parameter", "DB_PASSWORD", "{{resolve:ssm:/prod/db-password}}", []string{name("a password")}},
		// Secrets, by format.
		{"AWS access key id", "AWS_ACCESS_KEY_ID", exampleAccessKeyID, []string{ReasonAWSAccessKeyID}},
		{"AWS secret access key", "AWS_SECRET_ACCESS_KEY", exampleSecretKey, []string{ReasonAWSSecretKey, name("an access key")}},
		{"AWS secret key under a neutral name", "VALUE", exampleSecretKey, []string{ReasonAWSSecretKey}},
		{"PEM private key", "TLS_KEY", fakePrivateKey, []string{ReasonPrivateKey}},
		{"PEM private key by name too", "PRIVATE_KEY", fakePrivateKey, []string{ReasonPrivateKey, name("a private key")}},
		{"JWT", "SESSION", fakeJWT, []string{ReasonJWT}},
		{"JWT by name too", "AUTH_TOKEN", fakeJWT, []string{ReasonJWT, name("a token")}},
		{"GitHub token", "CONFIG", fakeGitHubToken, []string{ReasonGitHubToken}},
		{"GitHub fine-grained token", "GITHUB_TOKEN", fakeGitHubPAT, []string{ReasonGitHubToken, name("a token")}},
		{"Slack token", "SLACK_BOT", fakeSlackToken, []string{ReasonSlackToken}},
		{"Slack webhook", "ALERTS_HOOK", fakeSlackWebhook, []string{ReasonSlackWebhook}},
		{"Stripe secret key", "PAYMENTS", fakeStripeKey, []string{ReasonStripeKey}},
		{"Stripe webhook secret", "STRIPE_WEBHOOK", fakeStripeHook, []string{ReasonStripeKey}},
		{"URL with a password", "DATABASE_URL", "postgres://app:example-pw@db.internal:5432/orders", []string{ReasonURLPassword}},
		{"Redis URL with only a password", "REDIS_URL", "redis://:example-pw@cache:6379/0", []string{ReasonURLPassword}},
		{"URL with a token in its query", "CALLBACK", "https://api.example.com/hook?token=example-token-1", []string{ReasonURLSecretQuery}},
		{"presigned URL", "DOWNLOAD", "https://bucket.s3.amazonaws.com/k?X-Amz-Security-Token=EXAMPLE&X-Amz-Signature=EXAMPLE", []string{ReasonURLSecretQuery}},
		{"libpq keyword DSN", "PG_DSN", "host=db user=app password=example-pw dbname=orders", []string{ReasonDSNPassword}},
		{"ADO.NET connection string", "ORDERS_DB", "Server=db;Database=orders;User Id=app;Password=example-pw;", []string{ReasonDSNPassword}},
		{"Go MySQL DSN", "MYSQL_DSN", "app:example-pw@tcp(db:3306)/orders", []string{ReasonDSNPassword}},
		{"random-looking string", "UPSTREAM", fakeRandom, []string{ReasonHighEntropy}},
		{"random password with punctuation", "UPSTREAM_B", fakePunctuated, []string{ReasonHighEntropy}},
		{"256-bit key in hex", "CIPHER", fakeHexKey, []string{ReasonHexKey}},
		{"256-bit key in upper-case hex", "SIGNER", strings.ToUpper(fakeHexKey), []string{ReasonHexKey}},
		// Secrets, in a JSON value.
		{"JSON object with a password", "APP_CONFIG", `{"db":{"host":"db.internal","password":"example-pw-1"}}`, []string{json("a password")}},
		{"JSON object with a URL with a password", "SETTINGS", `{"database":{"url":"postgres://app:example-pw@db/orders"}}`, []string{jsonFieldPrefix + ReasonURLPassword}},
		{"JSON array of tokens", "UPSTREAMS", `[{"host":"a.internal","token":"example-token-a"},{"host":"b.internal","token":"example-token-b"}]`, []string{json("a token")}},
		{"JSON in a JSON string", "NESTED", `{"inner":"{\"apiKey\":\"example-key\"}"}`, []string{json("an API key")}},
		{"JSON numeric password", "LEGACY", `{"password":12345678}`, []string{json("a password")}},
		{"JSON under a secret name", "DB_CREDENTIALS", `{"username":"app","password":"example-pw"}`, []string{json("a password"), name("credentials")}},
		{"JSON headers with a token", "PARTNER_HEADERS", `{"Authorization":"Bearer EXAMPLE-token-0001"}`, []string{jsonFieldPrefix + ReasonBearerToken}},
		// Secrets, in an HTTP Authorization value.
		{"HTTP Basic credentials", "PARTNER_AUTH", "Basic " + base64.StdEncoding.EncodeToString([]byte("app:example-pw")), []string{ReasonBasicAuth}},
		{"Authorization header", "EXTRA_HEADER", "Authorization: Bearer EXAMPLE-token-0001", []string{ReasonBearerToken}},
		{"Bearer token", "UPSTREAM_AUTHORIZATION", "bearer " + fakeRandom, []string{ReasonBearerToken}},

		// Traps: already the fix, or not secrets.
		{"secret ARN", "DB_SECRET_REF", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf", nil},
		{"secret ARN under a password name", "DB_PASSWORD", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:password::", nil},
		{"KMS key ARN", "KMS_KEY", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", nil},
		{"Parameter Store path", "DB_PASSWORD", "/prod/db/password", nil},
		{"secretref reference", "DB_PASSWORD", "sm:prod/db#password", nil},
		{"Parameter Store reference", "API_TOKEN", "ssm:/prod/api-token", nil},
		{"bare name in a reference variable", "DB_PASSWORD_REF", "prod/db", nil},
		{"env reference", "PASSWORD", "env:DB_PASSWORD", nil},
		{"secret name in a name variable", "DB_SECRET_NAME", "prod/db", nil},
		{"setting named after a secret", "SECRET_TTL", "5m", nil},
		{"password policy", "PASSWORD_MIN_LENGTH", "12", nil},
		{"feature flag", "ENABLE_TOKEN_AUTH", "true", nil},
		{"feature flag named after a secret", "USE_PASSWORD", "on", nil},
		{"switch under a secret name", "TOKEN", "disabled", nil},
		{"URL without credentials", "PARTNER_URL", "https://api.partner.example/v1", nil},
		{"database URL without credentials", "DATABASE_URL", "postgres://db.internal:5432/orders", nil},
		{"URL with a placeholder password", "DATABASE_URL", "postgres://app:${DB_PASSWORD}@db/orders", nil},
		{"DSN with a placeholder password", "PG_DSN", "host=db user=app password=$PGPASSWORD", nil},
		{"token endpoint", "TOKEN_URL", "https://auth.example.com/oauth/token", nil},
		{"Sentry DSN (public key only)", "SENTRY_DSN", "https://examplepublickey@o0.ingest.sentry.io/0", nil},
		{"version string", "APP_VERSION", "v2.14.0-rc.1+build.5", nil},
		{"image", "IMAGE", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:1.4.0", nil},
		{"commit id", "GIT_SHA", "da39a3ee5e6b4b0d3255bfef95601890afd80709", nil},
		{"UUID", "REQUEST_ID", "0f997b45-4cf6-4f38-9f0b-0c4c2b2a5d1e", nil},
		{"base64 of configuration", "CONFIG_B64", base64.StdEncoding.EncodeToString([]byte(`{"log_level":"debug","feature_x":true}`)), nil},
		{"host name", "DB_HOST", "orders.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com", nil},
		{"Stripe publishable key", "STRIPE_PUBLISHABLE_KEY", fakeStripePublic, nil},
		{"empty password", "PASSWORD", "", nil},
		{"placeholder password", "DB_PASSWORD", "${DB_PASSWORD}", nil},
		{"a switch whose name ends in PASS", "CACHE_BYPASS", "f3a9c1e07b6d4a52", nil},
		{"identifier", "SERVICE", "OrdersServiceProductionDeployment2", nil},
		{"path", "TEMPLATES", "a/b/c/d/e/f/g/h/i/j/k", nil},
		{"cache key prefix", "CACHE_KEY_PREFIX", "orders:v1", nil},
		{"region", "AWS_REGION", "eu-west-1", nil},
		{"file path", "TLS_KEY", "/run/secrets/tls.key", nil},
		// Traps of the kinds found in JSON values, Authorization values and
		// by entropy.
		{"JSON configuration", "APP_CONFIG", `{"log_level":"debug","features":{"x":true},"timeout_ms":500}`, nil},
		{"JSON with a placeholder password", "APP_CONFIG", `{"db":{"password":"${DB_PASSWORD}"}}`, nil},
		{"JSON with references", "APP_CONFIG", `{"db":{"passwordRef":"sm:prod/db#password","secretArn":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"}}`, nil},
		{"JSON password policy", "POLICY", `{"password_min_length":12,"token_ttl":"5m","secret_rotation_days":30}`, nil},
		{"JSON list of hosts", "HOSTS", `["db1.internal","db2.internal"]`, nil},
		{"JSON with a digest", "RELEASE", `{"commit":"da39a3ee5e6b4b0d3255bfef95601890afd80709","image_digest":"` + fakeHexKey + `"}`, nil},
		{"authentication scheme", "AUTH_SCHEME", "Bearer", nil},
		{"Basic challenge", "WWW_AUTHENTICATE", `Basic realm="orders"`, nil},
		{"Bearer placeholder", "AUTH_HEADER", "Bearer ${API_TOKEN}", nil},
		{"Basic of a user name alone", "AUTH_HINT", "Basic " + base64.StdEncoding.EncodeToString([]byte("app")), nil},
		{"image digest", "IMAGE_DIGEST", fakeHexKey, nil},
		{"SHA-256 checksum", "ARTIFACT_SHA256", fakeHexKey, nil},
		{"email address", "SUPPORT_EMAIL", "John.Doe2@Example.com", nil},
		{"Java class", "MAIN_CLASS", "com.Example.Service2$Inner", nil},
		{"regular expression", "EMAIL_PATTERN", `^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`, nil},
		{"query string", "TRACKING", "utm_source=Newsletter&utm_medium=Email2&id=12", nil},
		{"Windows path", "APP_PATH", `C:\Apps\Orders2\Bin\orders.exe`, nil},
		{"Go template", "NAME_TEMPLATE", "{{.Name}}-{{.ID}}-v2", nil},
		{"time layout", "TIME_LAYOUT", "2006-01-02T15:04:05Z07:00", nil},
		{"metric name", "LATENCY_METRIC", "Orders/Prod-2:Latency(p99)", nil},
	}
}

func TestClassify(t *testing.T) {
	cases := labelledCases()
	var secrets, detected, traps, falsePositives int
	for _, c := range cases {
		got := classify(c.name, c.value)
		if c.want == nil {
			traps++
			if len(got) > 0 {
				falsePositives++
			}
		} else {
			secrets++
			if len(got) > 0 {
				detected++
			}
		}
		t.Run(c.label, func(t *testing.T) {
			if !slices.Equal(got, c.want) {
				// The values are fakes, but a failure message prints lengths
				// only, as for real ones.
				t.Errorf("%s (%d bytes): reasons %q, want %q", c.name, len(c.value), got, c.want)
			}
		})
	}
	t.Logf("%d labelled cases: %d secrets, %d detected; %d traps, %d false positives", len(cases), secrets, detected, traps, falsePositives)
	if len(cases) < 100 || traps < 55 {
		t.Errorf("%d cases, %d traps: the table must keep at least 100 and 55", len(cases), traps)
	}
}

func TestNameTokens(t *testing.T) {
	for name, want := range map[string]string{
		"DB_PASSWORD": "DB PASSWORD", "dbPassword": "DB PASSWORD", "api-key": "API KEY", "my.secret": "MY SECRET",
		"HTTPServerToken": "HTTPSERVER TOKEN", "": "", "__": "",
	} {
		if got := strings.Join(nameTokens(name), " "); got != want {
			t.Errorf("nameTokens(%q) = %q, want %q", name, got, want)
		}
	}
}
