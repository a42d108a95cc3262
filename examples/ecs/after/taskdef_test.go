package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/secretref/secretref/secrets"
)

// statement is an IAM policy statement; its Action is a string or a list.
type statement struct {
	Action   any
	Resource string
}

func (s statement) allows(action, resource string) bool {
	if s.Resource != resource {
		return false
	}
	switch a := s.Action.(type) {
	case string:
		return a == action
	case []any:
		return slices.Contains(a, any(action))
	}
	return false
}

// The task definition gives the service references only, and the task
// role may read exactly what they name.
func TestTaskDefinitionHoldsReferencesOnly(t *testing.T) {
	var td struct {
		TaskRoleArn          string `json:"taskRoleArn"`
		ContainerDefinitions []struct {
			Environment []struct{ Name, Value string } `json:"environment"`
			Secrets     []any                          `json:"secrets"`
		} `json:"containerDefinitions"`
	}
	var policy struct{ Statement []statement }
	readJSON(t, "task-definition.json", &td)
	readJSON(t, "task-role-policy.json", &policy)

	if td.TaskRoleArn == "" || len(td.ContainerDefinitions) != 1 || td.ContainerDefinitions[0].Secrets != nil {
		t.Fatal("want one container, a task role, and no ECS secrets injection")
	}
	var refs int
	for _, env := range td.ContainerDefinitions[0].Environment {
		if !strings.HasSuffix(env.Name, "_REF") {
			if env.Name != "PGSSLMODE" && env.Name != "LISTEN_ADDR" {
				t.Errorf("%s is neither a reference nor a setting of the service", env.Name)
			}
			continue
		}
		refs++
		ref, err := secrets.ParseRef(env.Value)
		if err != nil {
			t.Errorf("%s: %v", env.Name, err)
			continue
		}
		if !slices.ContainsFunc(policy.Statement, func(s statement) bool { return s.allows("secretsmanager:GetSecretValue", ref.Name) }) {
			t.Errorf("%s: the task role may not read %s", env.Name, ref.Name)
		}
	}
	if refs == 0 {
		t.Error("no references in the task definition")
	}
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
