// Command lambdaphases times, in a fresh process as a Lambda cold start
// runs them, the steps a handler's first read of a secret is made of:
// loading the AWS configuration, the first call to Secrets Manager (a new
// client, a new connection), a second call on that connection, and the
// two parts of TLS that cost CPU here: loading the system's root
// certificates and a TLS 1.3 handshake over loopback. It prints one JSON
// object of milliseconds and nothing of the secret, whose ARN it reads from
// DB_SECRET_ARN; the AWS endpoint and fake credentials come from the
// environment, as in the handlers of ../lambda.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// phases are the steps' durations in milliseconds.
type phases struct {
	LoadConfig   float64 `json:"load_config_ms"`
	FirstCall    float64 `json:"first_call_ms"`
	SecondCall   float64 `json:"second_call_ms"`
	SystemRoots  float64 `json:"system_roots_ms"`
	TLSHandshake float64 `json:"tls_handshake_ms"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func main() {
	var p phases
	ctx := context.Background()

	start := time.Now()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fail(err)
	}
	p.LoadConfig = ms(time.Since(start))

	sm := secretsmanager.NewFromConfig(cfg)
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(os.Getenv("DB_SECRET_ARN"))}
	start = time.Now()
	if _, err := sm.GetSecretValue(ctx, in); err != nil {
		fail(err)
	}
	p.FirstCall = ms(time.Since(start))
	start = time.Now()
	if _, err := sm.GetSecretValue(ctx, in); err != nil {
		fail(err)
	}
	p.SecondCall = ms(time.Since(start))

	start = time.Now()
	if _, err := x509.SystemCertPool(); err != nil {
		fail(err)
	}
	p.SystemRoots = ms(time.Since(start))
	if p.TLSHandshake, err = handshake(); err != nil {
		fail(err)
	}

	if err := json.NewEncoder(os.Stdout).Encode(p); err != nil {
		fail(err)
	}
}

// handshake times a TLS 1.3 handshake with a server in this process, over
// loopback, verifying an ECDSA P-256 certificate as AWS's endpoints offer
// one: the CPU both ends spend, without the network's round trips.
func handshake() (float64, error) {
	cert, pool, err := selfSigned()
	if err != nil {
		return 0, err
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		return 0, err
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	start := time.Now()
	c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS13})
	if err != nil {
		return 0, err
	}
	d := time.Since(start)
	c.Close()
	return ms(d), nil
}

// selfSigned makes a certificate for localhost and the pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

func fail(err error) {
	// The SDK's errors name the operation and the secret's id, not its value.
	fmt.Fprintln(os.Stderr, "lambdaphases:", err)
	os.Exit(1)
}
