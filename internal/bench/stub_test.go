package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// stubSecrets stands in for Secrets Manager holding one secret. It serves
// the client methods each library calls, as Go methods (secretref's
// provider and the caching client take an interface) and over HTTP as the
// service's JSON protocol (runtimevar takes only the SDK's concrete client),
// from one state and with one set of call counters.
type stubSecrets struct {
	name, arn string

	mu      sync.Mutex
	version int // current version number; the previous one is version-1
	value   string

	getSecretValue, describeSecret, batchGetSecretValue atomic.Int64
}

var (
	errStubNotServed = errors.New("not served by the stand-in")
	stubCreated      = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func newStubSecrets(name, value string) *stubSecrets {
	return &stubSecrets{
		name:    name,
		arn:     "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + name + "-AbCdEf",
		version: 1,
		value:   value,
	}
}

// rotate makes value the secret's current version.
func (s *stubSecrets) rotate(value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	s.value = value
}

// calls returns how many GetSecretValue and DescribeSecret calls the stub
// has answered.
func (s *stubSecrets) calls() (getSecretValue, describeSecret int64) {
	return s.getSecretValue.Load(), s.describeSecret.Load()
}

func versionID(n int) string { return "v-" + strconv.Itoa(n) }

func (s *stubSecrets) knows(id *string) bool {
	return aws.ToString(id) == s.name || aws.ToString(id) == s.arn
}

func notFound(id *string) error {
	return &smtypes.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret " + aws.ToString(id))}
}

// GetSecretValue answers the current version, or the one VersionId or
// VersionStage names.
func (s *stubSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	s.getSecretValue.Add(1)
	if !s.knows(in.SecretId) {
		return nil, notFound(in.SecretId)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.version
	switch {
	case in.VersionId != nil && *in.VersionId == versionID(s.version):
	case in.VersionId != nil:
		return nil, notFound(in.SecretId) // old values are not kept
	case in.VersionStage != nil && *in.VersionStage != "AWSCURRENT":
		return nil, notFound(in.SecretId)
	}
	return &secretsmanager.GetSecretValueOutput{
		ARN:           aws.String(s.arn),
		Name:          aws.String(s.name),
		VersionId:     aws.String(versionID(n)),
		SecretString:  aws.String(s.value),
		VersionStages: []string{"AWSCURRENT"},
		CreatedDate:   aws.Time(stubCreated),
	}, nil
}

// DescribeSecret answers the secret's versions and stages; it has no
// rotation schedule.
func (s *stubSecrets) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	s.describeSecret.Add(1)
	if !s.knows(in.SecretId) {
		return nil, notFound(in.SecretId)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stages := map[string][]string{versionID(s.version): {"AWSCURRENT"}}
	if s.version > 1 {
		stages[versionID(s.version-1)] = []string{"AWSPREVIOUS"}
	}
	return &secretsmanager.DescribeSecretOutput{
		ARN:                aws.String(s.arn),
		Name:               aws.String(s.name),
		VersionIdsToStages: stages,
		LastChangedDate:    aws.Time(stubCreated),
		RotationEnabled:    aws.Bool(false),
	}, nil
}

// BatchGetSecretValue answers each id of SecretIdList as GetSecretValue
// would.
func (s *stubSecrets) BatchGetSecretValue(ctx context.Context, in *secretsmanager.BatchGetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	s.batchGetSecretValue.Add(1)
	out := &secretsmanager.BatchGetSecretValueOutput{}
	for _, id := range in.SecretIdList {
		if !s.knows(&id) {
			out.Errors = append(out.Errors, smtypes.APIErrorType{SecretId: aws.String(id), ErrorCode: aws.String("ResourceNotFoundException")})
			continue
		}
		s.mu.Lock()
		out.SecretValues = append(out.SecretValues, smtypes.SecretValueEntry{
			ARN: aws.String(s.arn), Name: aws.String(s.name), VersionId: aws.String(versionID(s.version)),
			SecretString: aws.String(s.value), VersionStages: []string{"AWSCURRENT"},
		})
		s.mu.Unlock()
	}
	return out, nil
}

// The caching client's interface asks for these too; it never calls them.

func (s *stubSecrets) CreateSecret(context.Context, *secretsmanager.CreateSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error) {
	return nil, errStubNotServed
}

func (s *stubSecrets) DeleteSecret(context.Context, *secretsmanager.DeleteSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DeleteSecretOutput, error) {
	return nil, errStubNotServed
}

func (s *stubSecrets) ListSecrets(context.Context, *secretsmanager.ListSecretsInput, ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error) {
	return nil, errStubNotServed
}

func (s *stubSecrets) UpdateSecret(context.Context, *secretsmanager.UpdateSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretOutput, error) {
	return nil, errStubNotServed
}

// sdkClient returns an SDK client whose requests the stub answers in
// process: the SDK's serialisation, signing and retry layers run as they
// would against the service, but nothing goes over a network.
func (s *stubSecrets) sdkClient() *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIABENCHFAKEKEY000", "bench-fake-secret-access-key", ""),
		BaseEndpoint: aws.String("http://secretsmanager.stub.invalid"),
		HTTPClient:   &http.Client{Transport: s},
	})
}

// stubRequest holds the fields of the requests the stub answers over HTTP.
type stubRequest struct {
	SecretId     *string
	VersionId    *string
	VersionStage *string
}

// RoundTrip answers an SDK request in the service's JSON 1.1 protocol.
func (s *stubSecrets) RoundTrip(r *http.Request) (*http.Response, error) {
	var in stubRequest
	if r.Body != nil {
		body, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, err
		}
	}
	var out any
	var err error
	switch op := r.Header.Get("X-Amz-Target"); {
	case strings.HasSuffix(op, ".GetSecretValue"):
		var v *secretsmanager.GetSecretValueOutput
		v, err = s.GetSecretValue(r.Context(), &secretsmanager.GetSecretValueInput{SecretId: in.SecretId, VersionId: in.VersionId, VersionStage: in.VersionStage})
		if err == nil {
			out = map[string]any{
				"ARN": v.ARN, "Name": v.Name, "VersionId": v.VersionId, "SecretString": v.SecretString,
				"VersionStages": v.VersionStages, "CreatedDate": v.CreatedDate.Unix(),
			}
		}
	case strings.HasSuffix(op, ".DescribeSecret"):
		var v *secretsmanager.DescribeSecretOutput
		v, err = s.DescribeSecret(r.Context(), &secretsmanager.DescribeSecretInput{SecretId: in.SecretId})
		if err == nil {
			out = map[string]any{
				"ARN": v.ARN, "Name": v.Name, "VersionIdsToStages": v.VersionIdsToStages,
				"LastChangedDate": v.LastChangedDate.Unix(), "RotationEnabled": v.RotationEnabled,
			}
		}
	default:
		return stubResponse(r, http.StatusBadRequest, map[string]any{
			"__type": "UnknownOperationException", "message": fmt.Sprintf("the stand-in does not serve %q", op)})
	}
	if err != nil {
		return stubResponse(r, http.StatusBadRequest, map[string]any{"__type": "ResourceNotFoundException", "message": err.Error()})
	}
	return stubResponse(r, http.StatusOK, out)
}

func stubResponse(r *http.Request, status int, body any) (*http.Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return &http.Response{
		StatusCode:    status,
		Status:        http.StatusText(status),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amzn-Requestid": {"stub"}},
		Body:          io.NopCloser(bytes.NewReader(b)),
		ContentLength: int64(len(b)),
		Request:       r,
	}, nil
}
