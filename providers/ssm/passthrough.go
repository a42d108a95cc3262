package ssm

import "encoding/json"

// passthroughVersion returns the version id in the SourceResult of a
// Secrets Manager secret read through /aws/reference/secretsmanager/, or ""
// when it has none. Parameter Store answers such a read with Version 0 and
// the secret's own GetSecretValue answer as a JSON string: without its
// version id every version of the secret would look like one, and a rotation
// would go unnoticed.
//
// That JSON holds the secret too (secretString): only the version id is
// decoded, and a malformed answer gives "" rather than an error, since the
// decoder's messages quote the input.
func passthroughVersion(sourceResult string) string {
	var src struct {
		// AWS's answers spell the key versionId, the example in its
		// documentation VersionId. Each tag matches its own spelling
		// exactly, whatever the decoder's rule for case.
		VersionID    string `json:"versionId"`
		DocVersionID string `json:"VersionId"`
	}
	if json.Unmarshal([]byte(sourceResult), &src) != nil {
		return ""
	}
	if src.VersionID != "" {
		return src.VersionID
	}
	return src.DocVersionID
}
