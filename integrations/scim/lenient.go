package scim

import (
	"encoding/json"
	"fmt"
	"strings"
)

// UnmarshalJSON reads a provider's User leniently. Only id, userName,
// externalId and active must parse: one attribute jml reads in passing (a
// "name" sent as a string, an odd enterprise block) must not make the user
// unreadable, and so impossible to disable, or fail a whole ListUsers.
// Attribute names are case-insensitive (RFC 7643 §2.1).
func (u *user) UnmarshalJSON(b []byte) error {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("SCIM user: %w", err)
	}
	raw := make(map[string]json.RawMessage, len(in))
	for k, v := range in {
		if string(v) != "null" {
			raw[strings.ToLower(k)] = v
		}
	}
	*u = user{}
	for _, f := range []struct {
		key string
		dst *string
	}{{"id", &u.ID}, {"username", &u.UserName}, {"externalid", &u.ExternalID}} {
		if v, ok := raw[f.key]; ok {
			if err := json.Unmarshal(v, f.dst); err != nil {
				return fmt.Errorf("SCIM user attribute %s: %w", f.key, err)
			}
		}
	}
	if u.ID == "" {
		return fmt.Errorf("SCIM user without an id")
	}
	if v, ok := raw["active"]; ok {
		a, err := parseActive(v)
		if err != nil {
			return fmt.Errorf("SCIM user %s attribute active: %w", u.ID, err)
		}
		u.Active = &a
	}
	// the rest is best effort: what does not parse is left empty
	optional := func(key string, dst any) {
		if v, ok := raw[key]; ok {
			_ = json.Unmarshal(v, dst)
		}
	}
	optional("schemas", &u.Schemas)
	optional("name", &u.Name)
	optional("displayname", &u.DisplayName)
	optional("title", &u.Title)
	optional("emails", &u.Emails)
	optional("groups", &u.Groups)
	if v, ok := raw[strings.ToLower(schemaEnterprise)]; ok {
		var ent enterprise
		if json.Unmarshal(v, &ent) == nil {
			u.Enterprise = &ent
		}
	}
	return nil
}

// parseActive takes a boolean, or the strings "true"/"false" some providers send.
func parseActive(v json.RawMessage) (bool, error) {
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean: %q", s)
}
