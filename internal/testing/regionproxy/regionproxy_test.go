package regionproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A request goes to the server of the region its signature names.
func TestRoutesBySigningRegion(t *testing.T) {
	serve := func(name string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, name) }))
		t.Cleanup(s.Close)
		return s
	}
	p := New(t, map[string]string{"us-east-1": serve("east").URL, "us-west-2": serve("west").URL})
	for _, tc := range []struct{ region, want string }{{"us-east-1", "east"}, {"us-west-2", "west"}, {"eu-west-1", "no endpoint for region eu-west-1\n"}} {
		req, _ := http.NewRequest(http.MethodPost, p.URL, nil)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20261202/"+tc.region+"/secretsmanager/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != tc.want {
			t.Errorf("%s: answered %q, want %q", tc.region, body, tc.want)
		}
	}
	if n := p.Requests("us-west-2"); n != 1 {
		t.Errorf("%d requests for us-west-2, want 1", n)
	}
}
